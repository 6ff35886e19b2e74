// The EventLog suite against the in-process backend, and what is particular to it.
#include "jobs/local/local_event_log.hpp"

#include <gtest/gtest.h>

#include <memory>

#include "conformance/event_log_conformance.hpp"

namespace talkline::jobs::local {
namespace {

using namespace std::chrono_literals;

TALKLINE_INSTANTIATE_EVENT_LOG_CONFORMANCE(
    Local, conformance::EventLogFactory{
               "local",
               [](const conformance::EventLogLimits& limits) {
                 LocalEventLogOptions options;
                 options.max_len = limits.max_len;
                 options.max_queued = limits.max_queued;
                 return std::unique_ptr<EventLog>(std::make_unique<LocalEventLog>(options));
               },
               [](EventLog& log, bool stalled) { static_cast<LocalEventLog&>(log).hold_writes(stalled); }});

TEST(LocalEventLog, ConsumersOutliveTheLog) {
  std::unique_ptr<EventConsumer> consumer;
  {
    LocalEventLog log;
    consumer = log.consumer("g", "a");
    ASSERT_TRUE(log.append({"", "test.event", "{}"}));
    ASSERT_TRUE(log.flush(1s));
  }
  auto events = consumer->read(10, 10ms);
  ASSERT_TRUE(events.ok());
  EXPECT_EQ(events->size(), 1U);
  auto none = consumer->read(10, 10ms);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

}  // namespace
}  // namespace talkline::jobs::local
