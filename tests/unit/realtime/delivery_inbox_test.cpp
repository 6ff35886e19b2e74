#include "realtime/delivery_inbox.hpp"

#include "util/wakeup_batch.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace talkline::realtime {
namespace {

// Deliveries stand for themselves here: the seq says who pushed it and in which order.
std::vector<Delivery> deliveries(model::Id pusher, model::Seq from, model::Seq to) {
  std::vector<Delivery> batch;
  for (auto seq = from; seq <= to; ++seq)
    batch.push_back(Delivery{nullptr, Delivery::Kind::other, pusher, seq, nullptr, {}, {}});
  return batch;
}

TEST(DeliveryInbox, OneDrainCarriesEverythingPushedBeforeTheLoopRuns) {
  boost::asio::io_context loop;
  std::vector<std::size_t> drains;
  DeliveryInbox inbox(loop.get_executor(), [&](std::vector<Delivery>& batch) { drains.push_back(batch.size()); });
  for (int i = 0; i < 100; ++i) {
    auto batch = deliveries(1, i, i);
    inbox.push(batch);
    EXPECT_TRUE(batch.empty());
  }
  loop.run();
  ASSERT_EQ(drains.size(), 1U);
  EXPECT_EQ(drains.front(), 100U);
}

TEST(DeliveryInbox, InsideAWakeupBatchTheLoopIsWokenOnlyWhenTheBatchEnds) {
  boost::asio::io_context loop;
  int drains = 0;
  DeliveryInbox inbox(loop.get_executor(), [&](std::vector<Delivery>&) { ++drains; });
  {
    util::WakeupBatch batch;
    auto first = deliveries(1, 1, 1);
    inbox.push(first);
    EXPECT_EQ(loop.poll(), 0U);  // nothing posted yet
    auto second = deliveries(1, 2, 2);
    inbox.push(second);
  }
  loop.restart();  // the empty poll above stopped it
  EXPECT_EQ(loop.poll(), 1U);
  EXPECT_EQ(drains, 1);
}

TEST(DeliveryInbox, AnEmptyPushPostsNothing) {
  boost::asio::io_context loop;
  int drains = 0;
  DeliveryInbox inbox(loop.get_executor(), [&](std::vector<Delivery>&) { ++drains; });
  std::vector<Delivery> none;
  inbox.push(none);
  EXPECT_EQ(loop.run(), 0U);
  EXPECT_EQ(drains, 0);
}

TEST(DeliveryInbox, KeepsEachPushersOrderAcrossThreadsAndLosesNothing) {
  boost::asio::io_context loop;
  auto guard = boost::asio::make_work_guard(loop);
  constexpr int kPushers = 4;
  constexpr int kPerPusher = 5000;
  std::vector<model::Seq> last(kPushers, -1);
  std::atomic<int> received{0};
  bool ordered = true;
  int drains = 0;
  DeliveryInbox inbox(loop.get_executor(), [&](std::vector<Delivery>& batch) {
    ++drains;
    for (const auto& delivery : batch) {
      auto& previous = last[static_cast<std::size_t>(delivery.conversation_id)];
      if (delivery.change_seq != previous + 1) ordered = false;
      previous = delivery.change_seq;
    }
    if (received.fetch_add(static_cast<int>(batch.size())) + static_cast<int>(batch.size()) == kPushers * kPerPusher) {
      guard.reset();
    }
  });
  std::thread runner([&] { loop.run(); });
  std::vector<std::thread> pushers;
  for (int p = 0; p < kPushers; ++p) {
    pushers.emplace_back([&inbox, p] {
      for (int i = 0; i < kPerPusher; i += 10) {
        auto batch = deliveries(p, i, i + 9);
        inbox.push(batch);
      }
    });
  }
  for (auto& pusher : pushers) pusher.join();
  runner.join();
  EXPECT_EQ(received.load(), kPushers * kPerPusher);
  EXPECT_TRUE(ordered);
  // Batching, not one wake-up per push: at most one drain per push, usually far fewer.
  EXPECT_LE(drains, kPushers * kPerPusher / 10);
}

}  // namespace
}  // namespace talkline::realtime
