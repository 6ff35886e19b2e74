#include "util/id_generator.hpp"

#include <stdexcept>
#include <string>

namespace talkline::util {
namespace {

const Clock& system_clock() {
  static const SystemClock clock;
  return clock;
}

}  // namespace

IdGenerator::IdGenerator(int node_id) : IdGenerator(node_id, system_clock()) {}

IdGenerator::IdGenerator(int node_id, const Clock& clock) : clock_(&clock), node_id_(node_id) {
  if (node_id < 0 || node_id > kMaxNodeId) {
    throw std::invalid_argument("node id must be in [0, " + std::to_string(kMaxNodeId) + "], got " +
                                std::to_string(node_id));
  }
}

// Ids never repeat and never go down: when the clock has not moved past the last
// millisecond used (a burst, or the clock stepped back) we keep counting there, and
// when that millisecond's sequence is exhausted we borrow the next one rather than
// wait. The borrowed time is paid back as soon as the real clock catches up.
std::int64_t IdGenerator::next() {
  constexpr std::int64_t kMaxSequence = (std::int64_t{1} << kSequenceBits) - 1;
  std::int64_t now = clock_->now_ms() - kEpochMs;
  if (now < 0) now = 0;

  const std::lock_guard lock(mutex_);
  if (now > last_ms_) {
    last_ms_ = now;
    sequence_ = 0;
  } else if (sequence_ < kMaxSequence) {
    ++sequence_;
  } else {
    ++last_ms_;
    sequence_ = 0;
  }
  return (last_ms_ << (kNodeBits + kSequenceBits)) | (node_id_ << kSequenceBits) | sequence_;
}

std::int64_t IdGenerator::timestamp_ms(std::int64_t id) { return (id >> (kNodeBits + kSequenceBits)) + kEpochMs; }

int IdGenerator::node_of(std::int64_t id) { return static_cast<int>((id >> kSequenceBits) & kMaxNodeId); }

}  // namespace talkline::util
