#pragma once

// The event log: an append-only, trimmed stream of domain events that background jobs
// consume through consumer groups, with at-least-once delivery. Shaped after Redis
// Streams (docs/HLD.md "Background jobs and the event log"): append is XADD with
// MAXLEN ~ N, a group is XGROUP CREATE ... MKSTREAM, read is XREADGROUP ... >, ack is
// XACK, reclaim is XAUTOCLAIM. The in-process backend keeps the same rules in memory.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.hpp"

namespace talkline::jobs {

struct Event {
  /// Assigned by the log when the event is written ("<unix ms>-<n>", increasing);
  /// ignored by append().
  std::string id;
  /// What happened, e.g. "message.created".
  std::string type;
  /// A JSON object; its shape depends on `type`.
  std::string payload_json;
};

/// An entry a group gave up on, kept for people to look at.
struct DeadLetter {
  Event event;  // with the id it had in the log
  std::string reason;
};

/// One named member of one consumer group. Used by one thread at a time; its calls
/// block (on the network for a networked log), so never call them on an event loop.
///
/// Every entry a read or reclaim returns is *pending* on this consumer until it is
/// acked; an entry pending longer than some idle time (its consumer crashed, or is
/// stuck) can be reclaimed by any other consumer of the group, so handlers must
/// tolerate seeing an entry more than once.
class EventConsumer {
 public:
  virtual ~EventConsumer() = default;

  virtual const std::string& group() const = 0;
  virtual const std::string& name() const = 0;

  /// Up to `max` entries no consumer of the group has been given yet, oldest first,
  /// waiting up to `block` for the first one (returns an empty batch then). A failure
  /// (`unavailable`: the log's server cannot be reached) comes back within about
  /// `block` too, so a caller may simply loop.
  virtual Result<std::vector<Event>> read(std::size_t max, std::chrono::milliseconds block) = 0;
  /// Marks entries done for the whole group; returns how many were still pending.
  virtual Result<std::size_t> ack(const std::vector<std::string>& ids) = 0;
  /// Takes over up to `max` entries pending on any consumer of the group for at least
  /// `min_idle`, oldest first, and returns them (now pending on this consumer). Entries
  /// trimmed from the log meanwhile are dropped from the pending list, not returned.
  virtual Result<std::vector<Event>> reclaim(std::chrono::milliseconds min_idle, std::size_t max) = 0;
  /// Resets the idle time of entries pending on this consumer, so that nobody
  /// reclaims an entry this consumer is still working on (a retry waiting out its
  /// backoff, a slow batch). Ids no longer pending are ignored.
  virtual Result<void> keep(const std::vector<std::string>& ids) = 0;
  /// Copies `event` to the group's dead-letter list with `reason` and acks it, in one
  /// step. The list is trimmed like the log.
  virtual Result<void> dead_letter(const Event& event, std::string_view reason) = 0;
  /// The newest `max` dead letters of the group, newest first.
  virtual Result<std::vector<DeadLetter>> dead_letters(std::size_t max) = 0;
  /// How many entries are pending in the whole group.
  virtual Result<std::size_t> pending() = 0;
  /// Forgets other consumers of the group that hold no pending entry and have not
  /// been seen for `min_idle` (names of crashed or restarted nodes); returns how many.
  virtual Result<std::size_t> prune_consumers(std::chrono::milliseconds min_idle) = 0;
};

class EventLog {
 public:
  struct Stats {
    std::uint64_t appended = 0;  // accepted by append()
    std::uint64_t written = 0;   // stored in the log
    std::uint64_t dropped = 0;   // never stored: the queue was full, or the log stopped first
    std::size_t queued = 0;      // accepted, not yet written
  };

  virtual ~EventLog() = default;

  /// Queues `event` for the log's own writer thread and returns at once: never blocks
  /// on a lock held across I/O or on the network. The queue is bounded; past it the
  /// event is dropped, counted and logged, and false is returned.
  ///
  /// Warning: a queued event is lost if the process dies before it is written, and a
  /// connection that breaks in the middle of a write may store an event twice (under
  /// two ids) when the writer sends it again.
  virtual bool append(Event event) = 0;

  /// Waits until everything appended so far is written, or `timeout` passed; true when
  /// the queue is empty. For shutdown and tests.
  virtual bool flush(std::chrono::milliseconds timeout) = 0;

  /// A member of consumer group `group` named `name`. The group is created when it does
  /// not exist yet, starting at the end of the log: it sees the events appended after
  /// that. Names must be unique among the live consumers of a group.
  virtual std::unique_ptr<EventConsumer> consumer(std::string group, std::string name) = 0;

  virtual Stats stats() const = 0;
};

}  // namespace talkline::jobs
