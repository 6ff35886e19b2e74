#include "persist_scenario.hpp"

#include <iostream>

#include "messaging_run.hpp"
#include "setup.hpp"
#include "traffic_report.hpp"

namespace talkline::bench {

int run_persist(const CommonOptions& common, const PersistOptions& options) {
  IoPool pool(common.threads);
  const int senders = std::max(1, options.senders);
  std::cerr << "registering " << 2 * senders << " users\n";
  const auto users = register_users(pool, common, 2 * senders);
  TrafficPlan plan;
  plan.conversation_ids = create_direct_conversations(pool, common, users, senders);
  plan.body_bytes = options.messaging.body_bytes;
  // Only the first user of each pair connects: connection s is user 2s, alone online in
  // conversation s.
  for (std::uint32_t s = 0; s < static_cast<std::uint32_t>(senders); ++s) {
    plan.tokens.push_back(users[2 * s].token);
    plan.recipients.push_back({s});
    plan.senders.push_back({s, s, 1});
  }

  const double crossing = cross_node_share(plan, common.targets.size());
  Traffic traffic(pool, common, std::move(plan));
  if (!connect_traffic(traffic, static_cast<std::size_t>(senders))) return 1;
  Report report("persist");
  report.add("parameters", "senders", senders);
  report.add("parameters", "threads", pool.thread_count());
  report.add("parameters", "source_addresses", common.source_addresses);
  add_targets(report, common, crossing);
  return run_messaging(traffic, common, options.messaging, BoundOn::send_to_ack, report);
}

}  // namespace talkline::bench
