#pragma once

#include "model/conversation.hpp"
#include "model/message.hpp"
#include "model/user.hpp"
#include "util/json.hpp"

namespace talkline::api {

/// JSON shapes of the public contract (docs/protocol.md, "JSON shapes"): camelCase, ids as strings,
/// times as RFC 3339. Shared by the REST controllers and the real-time layer so the
/// same object looks the same everywhere.
util::Json user_json(const model::User& user);
util::Json member_json(const model::Member& member);
util::Json conversation_json(const model::Conversation& conversation);
util::Json conversation_summary_json(const model::ConversationSummary& summary);
util::Json message_json(const model::Message& message);
/// dump_json(message_json(message)), byte for byte, written straight into a string: every
/// message sent is serialised on the hot path, and the tree costs a dozen allocations.
std::string message_wire(const model::Message& message);

util::Json id_json(model::Id id);
util::Json optional_id_json(const std::optional<model::Id>& id);
util::Json time_json(const std::optional<model::Millis>& ms);

/// `{items: [...], nextCursor}` with each item rendered by `render`.
template <typename T, typename Render>
util::Json page_json(const model::Page<T>& page, Render render) {
  util::Json items = util::Json::array();
  for (const auto& item : page.items) items.push_back(render(item));
  return {{"items", std::move(items)},
          {"nextCursor", page.next_cursor ? util::Json(*page.next_cursor) : util::Json(nullptr)}};
}

}  // namespace talkline::api
