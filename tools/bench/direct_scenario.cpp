#include "direct_scenario.hpp"

#include <iostream>

#include "messaging_run.hpp"
#include "setup.hpp"
#include "traffic_report.hpp"

namespace talkline::bench {

int run_direct(const CommonOptions& common, const DirectOptions& options) {
  IoPool pool(common.threads);
  const int pairs = std::max(1, options.pairs);
  std::cerr << "registering " << 2 * pairs << " users\n";
  const auto users = register_users(pool, common, 2 * pairs);
  TrafficPlan plan;
  plan.conversation_ids = create_direct_conversations(pool, common, users, pairs);
  plan.body_bytes = options.messaging.body_bytes;
  // Connection i is user i; both users of pair p send into conversation p and receive from it.
  for (const auto& user : users) plan.tokens.push_back(user.token);
  for (std::uint32_t p = 0; p < static_cast<std::uint32_t>(pairs); ++p) {
    plan.recipients.push_back({2 * p, 2 * p + 1});
    plan.senders.push_back({2 * p, p, 1});
    plan.senders.push_back({2 * p + 1, p, 1});
  }

  const double crossing = cross_node_share(plan, common.targets.size());
  Traffic traffic(pool, common, std::move(plan));
  if (!connect_traffic(traffic, users.size())) return 1;
  Report report("direct");
  report.add("parameters", "pairs", pairs);
  report.add("parameters", "threads", pool.thread_count());
  report.add("parameters", "source_addresses", common.source_addresses);
  add_targets(report, common, crossing);
  return run_messaging(traffic, common, options.messaging, BoundOn::send_to_deliver, report);
}

}  // namespace talkline::bench
