#include "bus/local/local_bus.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <thread>
#include <vector>

#include "conformance/bus_conformance.hpp"

namespace talkline::bus {
namespace {

// ---- the shared Bus suite ------------------------------------------------------------

TALKLINE_INSTANTIATE_BUS_CONFORMANCE(Local,
                                     conformance::BusFactory{
                                         "local", [] { return std::unique_ptr<Bus>(std::make_unique<LocalBus>()); }});

// ---- behaviour particular to the in-process bus --------------------------------------

TEST(LocalBus, DeliversBeforePublishReturnsOnThePublishingThread) {
  LocalBus bus;
  std::vector<std::thread::id> delivered_on;
  std::vector<model::Seq> seqs;
  bus.subscribe([&](const Envelope& envelope) {
    delivered_on.push_back(std::this_thread::get_id());
    seqs.push_back(envelope.change_seq);
  });

  Envelope envelope;
  envelope.change_seq = 1;
  bus.publish(envelope);
  ASSERT_EQ(seqs.size(), 1U);

  std::thread other([&] {
    Envelope second;
    second.change_seq = 2;
    bus.publish(second);
    ASSERT_EQ(seqs.size(), 2U);
    EXPECT_EQ(delivered_on.back(), std::this_thread::get_id());
  });
  other.join();

  EXPECT_EQ(delivered_on.front(), std::this_thread::get_id());
  EXPECT_EQ(seqs, (std::vector<model::Seq>{1, 2}));
}

}  // namespace
}  // namespace talkline::bus
