#pragma once

#include <cstdint>
#include <mutex>

#include "util/clock.hpp"

namespace talkline::util {

/// Makes 64-bit ids that sort by creation time: 41 bits of milliseconds since
/// 2024-01-01T00:00:00Z, 10 bits of node id, 12 bits of per-millisecond sequence.
/// Unique per node as long as node ids differ; when a millisecond's 4096 ids are used
/// up, or the wall clock steps back, it keeps counting on the last millisecond it used.
class IdGenerator {
 public:
  static constexpr int kNodeBits = 10;
  static constexpr int kSequenceBits = 12;
  static constexpr std::int64_t kEpochMs = 1704067200000;  // 2024-01-01T00:00:00Z
  static constexpr int kMaxNodeId = (1 << kNodeBits) - 1;

  /// `node_id` must be in [0, kMaxNodeId]; otherwise throws std::invalid_argument.
  explicit IdGenerator(int node_id);
  /// Reads time from `clock`, which must outlive the generator (tests use a ManualClock).
  IdGenerator(int node_id, const Clock& clock);

  std::int64_t next();
  int node_id() const { return static_cast<int>(node_id_); }

  /// The creation time (Unix ms) encoded in an id.
  static std::int64_t timestamp_ms(std::int64_t id);
  static int node_of(std::int64_t id);

 private:
  const Clock* clock_;
  std::mutex mutex_;
  std::int64_t node_id_;
  std::int64_t last_ms_ = 0;
  std::int64_t sequence_ = 0;
};

}  // namespace talkline::util
