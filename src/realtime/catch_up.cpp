#include "realtime/catch_up.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <unordered_set>

#include "realtime/event_packets.hpp"
#include "realtime/events.hpp"
#include "realtime/feed_events.hpp"
#include "realtime/gateway.hpp"
#include "realtime/live_ordering.hpp"
#include "transport/asio/run_on.hpp"
#include "util/log.hpp"
#include "wire/message_json.hpp"
#include "wire/scalar_json.hpp"

namespace talkline::realtime {

namespace net = boost::asio;
using boost::system::error_code;

namespace {

// How often a paused catch-up looks at the connection's queue again.
constexpr auto kDrainPoll = std::chrono::milliseconds(10);
// What Engine.IO and Socket.IO add around a message's JSON: the packet digits, the event
// name, the brackets, and a polling payload's record separator.
constexpr std::size_t kFrameOverhead = 32;

std::optional<model::Member> member_of(const model::Conversation& conversation, model::Id user_id) {
  for (const auto& member : conversation.members) {
    if (member.user_id == user_id) return member;
  }
  return std::nullopt;
}

// The answer to one of the connection's own changes, given while it caught up, leaves the
// change held without packets (Gateway::settle_own_change).
bool answered_while_catching_up(const Connection& connection, const model::Change& change) {
  const auto& held = connection.catch_up.held;
  return std::any_of(held.begin(), held.end(), [&change](const HeldChange& entry) {
    return !entry.packets && entry.conversation_id == change.conversation_id && entry.change_seq == change.change_seq;
  });
}

}  // namespace

// Runs on the connection's loop, after it was registered: every change committed from
// then on reaches it live (and is held until this finishes), every one before is in
// the store's feed for the pages below. Together they miss nothing. A conversation's
// feed is resumed after the member's delivered message: new messages, and the edits
// and deletes made since it. Store reads go to the
// blocking pool; sending and the connection's state stay on the loop.
net::awaitable<void> CatchUp::run(std::shared_ptr<Connection> connection) {
  // One read of the memberships serves both the presence greeting and the pages: a
  // reconnect storm costs one store query per connection, not two.
  auto read_memberships = [this, &connection] { return services_.conversations.memberships(connection->principal); };
  auto conversations = co_await transport::run_on(connection->work, read_memberships);
  if (!conversations.ok()) {
    util::log::warn("realtime.catch_up_failed", {{"user", static_cast<std::int64_t>(connection->principal.user_id)},
                                                 {"error", std::string_view(conversations.error().message)}});
    finish(connection);
    co_return;
  }
  auto greet = [this, &connection, &conversations] {
    send_online_contacts(*connection,
                         services::ConversationService::contacts_in(*conversations, connection->principal.user_id));
    return true;
  };
  co_await transport::run_on(connection->work, greet);
  const int page_size = std::max(1, options_.sync_page_size);
  int own_waits_left = LiveOrdering::max_own_waits;
  for (const auto& conversation : *conversations) {
    auto me = member_of(conversation, connection->principal.user_id);
    if (!me) continue;
    if (conversation.last_change_seq <= me->delivered_change_seq) {
      // Up to date: live changes continue from here, and a gap after it gets filled.
      ordering_.mark_sent(*connection, conversation.id, conversation.last_change_seq);
      continue;
    }
    // Counted from the cursor and raised page by page, so a gap fill after a failed page
    // resumes there.
    ordering_.mark_sent(*connection, conversation.id, me->delivered_change_seq);
    model::Seq after = me->delivered_change_seq;
    for (;;) {
      if (!connection->socket->connected() || gateway_.stopped()) co_return;
      auto read_page = [this, &connection, &conversation, &after, page_size] {
        return services_.messages.changes_after(connection->principal, conversation.id, after, page_size);
      };
      auto page = co_await transport::run_on(connection->work, read_page);
      if (!page.ok()) {
        // The client still has `sync` for what this could not send.
        util::log::warn("realtime.catch_up_page_failed",
                        {{"user", static_cast<std::int64_t>(connection->principal.user_id)},
                         {"conversation", static_cast<std::int64_t>(conversation.id)},
                         {"error", std::string_view(page.error().message)}});
        break;
      }
      if (page->empty()) break;
      for (const auto& change : *page) {
        if (co_await answered_already(connection, change, own_waits_left)) {
          ordering_.mark_sent(*connection, conversation.id, change.change_seq);
          continue;
        }
        auto json = feed_event_payload(change);
        // Paced by bytes, change by change: one page of large messages can be more than
        // the connection's whole send bound.
        if (!co_await wait_for_room(connection, json.size() + kFrameOverhead)) co_return;
        connection->socket->send_raw(event_packets(feed_event_name(change.kind), json));
        ordering_.mark_sent(*connection, conversation.id, change.change_seq);
      }
      after = page->back().change_seq;
      if (static_cast<int>(page->size()) < page_size) break;
    }
  }
  finish(connection);
}

net::awaitable<bool> CatchUp::answered_already(const std::shared_ptr<Connection>& connection,
                                               const model::Change& change, int& waits_left) {
  if (change.actor_id != connection->principal.user_id) co_return false;
  std::optional<net::steady_timer> pause;
  while (!answered_while_catching_up(*connection, change) && LiveOrdering::may_be_unanswered_own(*connection, change) &&
         waits_left > 0) {
    --waits_left;
    if (!pause) pause.emplace(connection->loop);
    pause->expires_after(LiveOrdering::own_answer_wait);
    error_code ec;
    co_await pause->async_wait(net::redirect_error(net::use_awaitable, ec));
    if (!connection->socket->connected() || gateway_.stopped()) co_return false;
  }
  co_return answered_while_catching_up(*connection, change);
}

// Catch-up may fill half of the send bound; the rest is headroom for what goes out
// meanwhile (acks, receipts, presence). On long-polling the queue empties only when the
// client's next GET takes it as one payload; on WebSocket, frame by frame as it writes.
net::awaitable<bool> CatchUp::wait_for_room(const std::shared_ptr<Connection>& connection, std::size_t next_bytes) {
  const std::size_t budget = options_.send_buffer_bytes / 2;
  std::optional<net::steady_timer> pause;
  for (;;) {
    if (!connection->socket->connected() || gateway_.stopped()) co_return false;
    const std::size_t queued = connection->socket->buffered_bytes();
    // A message bigger than the whole budget still goes out alone, into an empty queue.
    if (queued == 0 || queued + next_bytes <= budget) co_return true;
    if (!pause) pause.emplace(connection->loop);
    pause->expires_after(kDrainPoll);
    error_code ec;
    co_await pause->async_wait(net::redirect_error(net::use_awaitable, ec));
  }
}

// Sends the live changes held meanwhile that the pages did not already carry, in feed
// order after them (LiveOrdering fills any gap between the two).
void CatchUp::finish(const std::shared_ptr<Connection>& connection) {
  auto& state = connection->catch_up;
  for (auto& held : state.held) {
    ordering_.offer_change(connection, held.conversation_id, held.change_seq, std::move(held.packets));
  }
  state.held.clear();
  state.catching_up = false;
}

void CatchUp::offer_live_change(const std::shared_ptr<Connection>& connection, model::Id conversation_id,
                                model::Seq change_seq, SharedPackets packets) {
  auto& state = connection->catch_up;
  if (!state.catching_up) return ordering_.offer_change(connection, conversation_id, change_seq, std::move(packets));
  if (state.held.size() >= kMaxHeldChanges) {
    connection->socket->close_connection("catch-up overflow");  // it reconnects and starts over
    return;
  }
  state.held.push_back(HeldChange{conversation_id, change_seq, std::move(packets)});
}

// A new connection learns which of its user's contacts are online now, on any node.
// Runs on the blocking pool, where the directory may wait for its server.
void CatchUp::send_online_contacts(const Connection& connection, const std::vector<model::Id>& contacts) {
  if (contacts.empty()) return;
  const auto offline = services_.presence.offline_among(contacts);
  const std::unordered_set<model::Id> away(offline.begin(), offline.end());
  for (auto contact : contacts) {
    if (away.contains(contact) && !registry_.is_online(contact)) continue;
    connection.socket->emit(
        events::presence,
        {util::Json{{"userId", wire::id_json(contact)}, {"status", "online"}, {"lastSeenAt", nullptr}}});
  }
}

namespace {

// A `sync` cursor map, {conversationId: position}, read from `payload[key]`: null when
// absent or null.
Result<std::optional<std::map<model::Id, model::Seq>>> cursor_map(const util::Json* payload, const char* key,
                                                                  const char* what) {
  if (!payload || !payload->is_object()) return std::optional<std::map<model::Id, model::Seq>>();
  auto it = payload->find(key);
  if (it == payload->end() || it->is_null()) return std::optional<std::map<model::Id, model::Seq>>();
  if (!it->is_object()) return Error::invalid(key, std::string("must be an object of conversationId: ") + what);
  std::map<model::Id, model::Seq> cursors;
  for (const auto& [name, value] : it->items()) {
    auto id = util::parse_id(name);
    if (!id || *id <= 0) return Error::invalid(key, "keys must be conversation ids");
    if (!value.is_number_integer() || value.get<std::int64_t>() < 0) {
      return Error::invalid(key, "values must be integers, zero or more");
    }
    cursors[*id] = value.get<std::int64_t>();
  }
  return std::optional(std::move(cursors));
}

// Reads one page in all across `cursors`, in ascending conversation id, each
// conversation's entries after its cursor; `read(conversation, after, limit)` reads one.
template <typename Read, typename Render>
Result<util::Json> sync_page(const std::map<model::Id, model::Seq>& cursors, int page_size, const char* key,
                             Read read, Render render) {
  int budget = std::max(1, page_size);
  util::Json entries = util::Json::array();
  bool has_more = false;
  for (const auto& [conversation_id, after] : cursors) {
    if (budget == 0) {
      has_more = true;
      break;
    }
    TL_TRY_ASSIGN(auto page, read(conversation_id, after, budget + 1));
    if (static_cast<int>(page.size()) > budget) {
      page.resize(static_cast<std::size_t>(budget));
      has_more = true;
    }
    budget -= static_cast<int>(page.size());
    for (const auto& entry : page) entries.push_back(render(entry));
    if (has_more) break;
  }
  return util::Json{{key, std::move(entries)}, {"hasMore", has_more}};
}

}  // namespace

// `sync {changes: {conversationId: lastChangeSeq}}`: the change feed after each cursor.
// `sync {cursors: {conversationId: lastSeq}}`: the messages after each cursor. Either
// way oldest first per conversation, at most one page in all. With neither, every
// conversation's messages from the member's delivered cursor.
Result<util::Json> CatchUp::sync(Connection& connection, const util::Json::array_t& args) {
  const util::Json* payload = args.empty() ? nullptr : &args.front();
  if (payload && !payload->is_null() && !payload->is_object()) return Error::invalid("payload", "must be an object");
  const auto& caller = connection.principal;
  const int page_size = options_.sync_page_size;

  TL_TRY_ASSIGN(auto changes, cursor_map(payload, "changes", "changeSeq"));
  if (changes && !changes->empty()) {
    auto read = [this, &caller](model::Id conversation_id, model::Seq after, int limit) {
      return services_.messages.changes_after(caller, conversation_id, after, limit);
    };
    return sync_page(*changes, page_size, "changes", read, wire::change_json);
  }

  TL_TRY_ASSIGN(auto cursors, cursor_map(payload, "cursors", "seq"));
  if (!cursors || cursors->empty()) {
    cursors.emplace();
    TL_TRY_ASSIGN(const auto conversations, services_.conversations.memberships(caller));
    for (const auto& conversation : conversations) {
      auto me = member_of(conversation, caller.user_id);
      if (me && conversation.last_seq > me->delivered_seq) (*cursors)[conversation.id] = me->delivered_seq;
    }
  }
  auto read = [this, &caller](model::Id conversation_id, model::Seq after, int limit) {
    return services_.messages.messages_after(caller, conversation_id, after, limit);
  };
  return sync_page(*cursors, page_size, "messages", read, wire::message_json);
}

}  // namespace talkline::realtime
