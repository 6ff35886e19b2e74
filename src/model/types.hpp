#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace talkline::model {

/// 64-bit time-ordered identifier (util/id_generator). Travels as a JSON string.
using Id = std::int64_t;
/// Milliseconds since the Unix epoch, UTC.
using Millis = std::int64_t;
/// Per-conversation gap-free message sequence number, starting at 1.
using Seq = std::int64_t;

/// A page of results plus an opaque cursor for the next page (empty when there is none).
template <typename T>
struct Page {
  std::vector<T> items;
  std::optional<std::string> next_cursor;
};

}  // namespace talkline::model
