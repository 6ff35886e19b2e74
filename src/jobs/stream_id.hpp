#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace talkline::jobs {

/// An event log entry id as Redis Streams writes it, "<unix ms>-<sequence>"; ids of
/// one log only grow. Compared as numbers ("9-0" < "10-0"), never as text.
struct StreamId {
  std::uint64_t ms = 0;
  std::uint64_t seq = 0;

  auto operator<=>(const StreamId&) const = default;
  std::string to_string() const { return std::to_string(ms) + "-" + std::to_string(seq); }
  /// The id after this one (what Redis gives the next entry added in the same ms).
  StreamId next() const { return {ms, seq + 1}; }
};

/// "ms-seq" or a bare "ms" (sequence 0); nullopt for anything else.
std::optional<StreamId> parse_stream_id(std::string_view text);

}  // namespace talkline::jobs
