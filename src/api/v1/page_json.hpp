#pragma once

#include <utility>

#include "model/types.hpp"
#include "util/json.hpp"

namespace talkline::api::v1 {

/// A REST list answer, `{items: [...], nextCursor}`, with each item rendered by `render`
/// (one of the wire shapes, `wire/`).
template <typename T, typename Render>
util::Json page_json(const model::Page<T>& page, Render render) {
  util::Json items = util::Json::array();
  for (const auto& item : page.items) items.push_back(render(item));
  return {{"items", std::move(items)},
          {"nextCursor", page.next_cursor ? util::Json(*page.next_cursor) : util::Json(nullptr)}};
}

}  // namespace talkline::api::v1
