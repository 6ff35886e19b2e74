#include "traffic_plan.hpp"

#include <gtest/gtest.h>

namespace talkline::bench {
namespace {

// P pairs numbered as the direct scenario does: connections 2p and 2p+1, both sending.
TrafficPlan direct_plan(std::uint32_t pairs) {
  TrafficPlan plan;
  for (std::uint32_t p = 0; p < pairs; ++p) {
    plan.recipients.push_back({2 * p, 2 * p + 1});
    plan.senders.push_back({2 * p, p, 1});
    plan.senders.push_back({2 * p + 1, p, 1});
  }
  return plan;
}

TEST(CrossNodeShare, IsZeroOnOneNode) {
  EXPECT_EQ(cross_node_share(direct_plan(5), 1), 0.0);
  EXPECT_EQ(cross_node_share(TrafficPlan{}, 3), 0.0);
}

TEST(CrossNodeShare, EveryDirectMessageCrossesOnTwoOrThreeNodes) {
  EXPECT_DOUBLE_EQ(cross_node_share(direct_plan(5), 2), 1.0);
  EXPECT_DOUBLE_EQ(cross_node_share(direct_plan(5), 3), 1.0);
}

TEST(CrossNodeShare, CountsEachGroupRecipientButTheSender) {
  // One group of four, all sending: on two nodes each sender has one of its three
  // recipients beside it and two on the other node.
  TrafficPlan plan;
  plan.recipients.push_back({0, 1, 2, 3});
  for (std::uint32_t m = 0; m < 4; ++m) plan.senders.push_back({m, 0, 1});
  EXPECT_DOUBLE_EQ(cross_node_share(plan, 2), 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(cross_node_share(plan, 4), 1.0);
}

TEST(CrossNodeShare, WeighsSendersByTheirShareOfTheRate) {
  // Connection 0 sends to 1 (other node) at weight 3, connection 0 to 2 (same node) at weight 1.
  TrafficPlan plan;
  plan.recipients = {{0, 1}, {0, 2}};
  plan.senders = {{0, 0, 3}, {0, 1, 1}};
  EXPECT_DOUBLE_EQ(cross_node_share(plan, 2), 0.75);
}

}  // namespace
}  // namespace talkline::bench
