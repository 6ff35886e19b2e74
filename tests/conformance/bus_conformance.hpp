#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "bus/bus.hpp"

// The Bus conformance suite: every backend of bus::Bus must pass the same cases.
// A backend's test file only instantiates it:
//
//   TALKLINE_INSTANTIATE_BUS_CONFORMANCE(Local,
//       talkline::conformance::BusFactory{"local", [] { return std::make_unique<LocalBus>(); }});
//
// Each test calls the factory once and expects a bus no other node shares (a networked
// backend should pick a fresh channel per call). The handler may run on any thread, at
// any time after publish returns, so the cases wait for envelopes with a deadline
// rather than expecting them at once.
//
// A backend that links several nodes also gives `make_cluster`: each call opens a fresh
// cluster (nodes made from it share one backend and nothing with other clusters). The
// cluster cases — delivery between nodes by interest — skip for a backend without it.

namespace talkline::conformance {

using BusMaker = std::function<std::unique_ptr<bus::Bus>()>;

struct BusFactory {
  std::string name;
  BusMaker make;
  /// Optional: a fresh cluster, as a maker of its nodes.
  std::function<BusMaker()> make_cluster = {};
};

/// Lets gtest print a factory as its name in failure messages.
void PrintTo(const BusFactory& factory, std::ostream* out);

/// Names the instantiated tests after the factory (gtest's name generator).
std::string bus_factory_name(const testing::TestParamInfo<BusFactory>& info);

/// What a subscribed handler has received, safe to fill from any thread.
class Inbox {
 public:
  void push(const bus::Envelope& envelope);
  /// Waits until at least `count` envelopes have arrived or `timeout` passed; true
  /// when they arrived.
  bool wait_for(std::size_t count, std::chrono::milliseconds timeout);
  std::vector<bus::Envelope> received() const;
  /// Waits until an envelope with `event` has arrived (at least `count` of them).
  bool wait_for_event(std::string_view event, std::chrono::milliseconds timeout, std::size_t count = 1);
  /// What arrived, without the envelopes of `event` (the probes of a test).
  std::vector<bus::Envelope> received_except(std::string_view event) const;
  std::size_t size() const;

 private:
  mutable std::mutex mutex_;
  std::condition_variable arrived_;
  std::vector<bus::Envelope> received_;
};

/// Every field of `actual` equals that of `expected`, or which ones differ.
testing::AssertionResult same_envelope(const bus::Envelope& expected, const bus::Envelope& actual);

class BusConformance : public testing::TestWithParam<BusFactory> {
 protected:
  /// Longest wait for envelopes that should arrive; generous for a networked bus.
  static constexpr std::chrono::milliseconds kDeadline{10'000};
  /// How long to keep listening after the last expected envelope, to catch duplicates.
  static constexpr std::chrono::milliseconds kSettle{100};

  void SetUp() override;
  void TearDown() override;

  bus::Bus& bus() { return *bus_; }
  /// A fresh bus from the factory, not subscribed.
  std::unique_ptr<bus::Bus> make_bus() const;
  /// Subscribes an Inbox to bus() and returns it.
  std::shared_ptr<Inbox> subscribe();
  /// Subscribes an Inbox to `node` and returns it.
  static std::shared_ptr<Inbox> subscribe(bus::Bus& node);
  /// The nodes of a fresh cluster; skips the test when the backend has one node only.
  std::vector<std::unique_ptr<bus::Bus>> cluster(int nodes) const;

 private:
  std::unique_ptr<bus::Bus> bus_;
};

}  // namespace talkline::conformance

/// Instantiates the suite for the given BusFactory values. Use at namespace scope; the
/// suite name must be a plain identifier for gtest, hence the using-declaration.
#define TALKLINE_INSTANTIATE_BUS_CONFORMANCE(prefix, ...)                          \
  using ::talkline::conformance::BusConformance;                                   \
  INSTANTIATE_TEST_SUITE_P(prefix, BusConformance, ::testing::Values(__VA_ARGS__), \
                           ::talkline::conformance::bus_factory_name)
