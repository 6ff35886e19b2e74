#include "traffic_plan.hpp"

#include "bench_options.hpp"

namespace talkline::bench {

double cross_node_share(const TrafficPlan& plan, std::size_t nodes) {
  double all = 0;
  double crossing = 0;
  for (const auto& sender : plan.senders) {
    const std::size_t from = node_of(sender.connection, nodes);
    for (const auto recipient : plan.recipients.at(sender.conversation)) {
      if (recipient == sender.connection) continue;
      all += sender.weight;
      if (node_of(recipient, nodes) != from) crossing += sender.weight;
    }
  }
  return all > 0 ? crossing / all : 0;
}

}  // namespace talkline::bench
