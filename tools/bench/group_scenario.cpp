#include "group_scenario.hpp"

#include <iostream>

#include "messaging_run.hpp"
#include "setup.hpp"
#include "traffic_report.hpp"

namespace talkline::bench {

int run_group(const CommonOptions& common, const GroupOptions& options) {
  IoPool pool(common.threads);
  const int groups = std::max(1, options.groups);
  const int members = std::max(2, options.members);
  std::cerr << "registering " << groups * members << " users\n";
  const auto users = register_users(pool, common, groups * members);
  std::vector<std::vector<std::size_t>> member_lists(static_cast<std::size_t>(groups));
  TrafficPlan plan;
  for (std::size_t u = 0; u < users.size(); ++u) {
    member_lists[u / static_cast<std::size_t>(members)].push_back(u);
    plan.tokens.push_back(users[u].token);
  }
  std::cerr << "creating " << groups << " groups of " << members << "\n";
  plan.conversation_ids = create_groups(pool, common, users, member_lists);
  plan.body_bytes = options.messaging.body_bytes;
  for (std::uint32_t g = 0; g < static_cast<std::uint32_t>(groups); ++g) {
    auto& recipients = plan.recipients.emplace_back();
    for (auto u : member_lists[g]) {
      recipients.push_back(static_cast<std::uint32_t>(u));
      plan.senders.push_back({static_cast<std::uint32_t>(u), g, 1});
    }
  }

  const double crossing = cross_node_share(plan, common.targets.size());
  Traffic traffic(pool, common, std::move(plan));
  if (!connect_traffic(traffic, users.size())) return 1;
  Report report("group");
  report.add("parameters", "groups", groups);
  report.add("parameters", "members", members);
  report.add("parameters", "threads", pool.thread_count());
  report.add("parameters", "source_addresses", common.source_addresses);
  add_targets(report, common, crossing);
  return run_messaging(traffic, common, options.messaging, BoundOn::send_to_deliver, report);
}

}  // namespace talkline::bench
