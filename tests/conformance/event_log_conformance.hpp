#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "jobs/event_log.hpp"

// The EventLog conformance suite: every backend of jobs::EventLog passes the same cases.
// A backend's test file only instantiates it:
//
//   TALKLINE_INSTANTIATE_EVENT_LOG_CONFORMANCE(Local, talkline::conformance::EventLogFactory{
//       "local", [](const EventLogLimits& limits) { return ...; }, [](EventLog& log, bool stalled) { ... }});
//
// Each call of `make` must give a log no other call shares (a networked backend uses a
// fresh stream key). `stall` stops and restarts the log's writing (a paused server for
// a networked backend), so that appends pile up against the queue's bound.

namespace talkline::conformance {

struct EventLogLimits {
  std::size_t max_len = 100000;
  std::size_t max_queued = 10000;
};

struct EventLogFactory {
  std::string name;
  std::function<std::unique_ptr<jobs::EventLog>(const EventLogLimits&)> make;
  std::function<void(jobs::EventLog&, bool stalled)> stall;
};

void PrintTo(const EventLogFactory& factory, std::ostream* out);
std::string event_log_factory_name(const testing::TestParamInfo<EventLogFactory>& info);

class EventLogConformance : public testing::TestWithParam<EventLogFactory> {
 protected:
  /// Longest wait for something that should happen; generous for a networked log.
  static constexpr std::chrono::milliseconds kDeadline{10'000};

  std::unique_ptr<jobs::EventLog> make_log(EventLogLimits limits = {}) const { return GetParam().make(limits); }

  /// Appends events "test.event" with payloads {"n":from}…{"n":from+count-1}, then
  /// waits until they are written.
  static void append_numbered(jobs::EventLog& log, int from, int count);
  /// Reads from `consumer` until `count` events arrived or the deadline passed.
  static std::vector<jobs::Event> read_until(jobs::EventConsumer& consumer, std::size_t count,
                                             std::size_t per_read = 100);
  /// The "n" of a numbered event's payload; -1 when it has none.
  static int number_of(const jobs::Event& event);
  static std::vector<std::string> ids_of(const std::vector<jobs::Event>& events);
};

}  // namespace talkline::conformance

/// Instantiates the suite for the given EventLogFactory values, at namespace scope.
#define TALKLINE_INSTANTIATE_EVENT_LOG_CONFORMANCE(prefix, ...)                         \
  using ::talkline::conformance::EventLogConformance;                                   \
  INSTANTIATE_TEST_SUITE_P(prefix, EventLogConformance, ::testing::Values(__VA_ARGS__), \
                           ::talkline::conformance::event_log_factory_name)
