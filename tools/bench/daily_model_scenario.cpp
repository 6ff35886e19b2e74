#include "daily_model_scenario.hpp"

#include <iostream>

#include "history_readers.hpp"
#include "messaging_run.hpp"
#include "setup.hpp"
#include "traffic_report.hpp"

namespace talkline::bench {

namespace {

constexpr double kSecondsPerDay = 86400;
// A chat user notices a message or a history page that takes more than a second; past
// that the server is not keeping up even if nothing is lost.
constexpr double kKeepUpP99Ms = 1000;

struct ModelPlan {
  TrafficPlan traffic;
  std::vector<HistoryReaders::Target> reads;
};

// Users pair up into direct conversations (2i, 2i+1) and, for the group share, into
// groups of consecutive users; each user sends into both at the model's proportions and
// reads both conversations' history.
ModelPlan build_plan(IoPool& pool, const CommonOptions& common, const DailyModelOptions& options, int active) {
  std::cerr << "registering " << active << " users\n";
  const auto users = register_users(pool, common, active);
  ModelPlan model;
  auto& plan = model.traffic;
  for (const auto& user : users) plan.tokens.push_back(user.token);
  const auto pairs = static_cast<std::uint32_t>(active / 2);
  plan.conversation_ids = create_direct_conversations(pool, common, users, static_cast<int>(pairs));
  for (std::uint32_t p = 0; p < pairs; ++p) plan.recipients.push_back({2 * p, 2 * p + 1});

  const int group_size = options.group_share > 0 && options.group_size >= 3 ? options.group_size : 0;
  std::vector<std::vector<std::size_t>> groups;
  for (std::size_t first = 0; group_size > 0 && first + static_cast<std::size_t>(group_size) <= users.size();
       first += static_cast<std::size_t>(group_size)) {
    auto& members = groups.emplace_back();
    for (int m = 0; m < group_size; ++m) members.push_back(first + static_cast<std::size_t>(m));
  }
  if (!groups.empty()) {
    std::cerr << "creating " << groups.size() << " groups of " << group_size << "\n";
    for (auto& id : create_groups(pool, common, users, groups)) plan.conversation_ids.push_back(std::move(id));
  }
  for (const auto& members : groups) {
    auto& recipients = plan.recipients.emplace_back();
    for (auto u : members) recipients.push_back(static_cast<std::uint32_t>(u));
  }

  const double group_share = groups.empty() ? 0 : std::clamp(options.group_share, 0.0, 1.0);
  for (std::uint32_t u = 0; u < 2 * pairs; ++u) {
    const std::uint32_t direct = u / 2;
    plan.senders.push_back({u, direct, 1 - group_share});
    model.reads.push_back({users[u].token, plan.conversation_ids[direct]});
    const std::size_t group = u / static_cast<std::uint32_t>(std::max(1, group_size));
    if (group_share > 0 && group < groups.size()) {
      const auto conversation = static_cast<std::uint32_t>(pairs + group);
      plan.senders.push_back({u, conversation, group_share});
      model.reads.push_back({users[u].token, plan.conversation_ids[conversation]});
    }
  }
  plan.body_bytes = options.body_bytes;
  return model;
}

}  // namespace

int run_daily_model(const CommonOptions& common, const DailyModelOptions& options) {
  IoPool pool(common.threads);
  const int active = std::max(2, options.active / 2 * 2);
  const double send_rate = active * options.messages_per_day * options.speedup / kSecondsPerDay;
  const double read_rate = send_rate * options.read_ratio;
  auto model = build_plan(pool, common, options, active);
  const auto read_targets = model.reads;

  const double crossing = cross_node_share(model.traffic, common.targets.size());
  Traffic traffic(pool, common, std::move(model.traffic));
  if (!connect_traffic(traffic, static_cast<std::size_t>(active))) return 1;
  HistoryReaders readers(pool, common, traffic, read_targets, read_rate, options.readers, options.read_limit);

  Report report("daily-model");
  report.add("parameters", "active_users", active);
  report.add("parameters", "messages_per_active_user_per_day", options.messages_per_day);
  report.add("parameters", "read_ratio", options.read_ratio);
  report.add("parameters", "speedup", options.speedup, "x");
  report.add("parameters", "group_size", options.group_size);
  report.add("parameters", "group_share", options.group_share);
  report.add("parameters", "threads", pool.thread_count());
  add_targets(report, common, crossing);
  report.add("model", "planned_send_rate", send_rate, "msg/s");
  report.add("model", "planned_read_rate", read_rate, "req/s");
  report.add("model", "model_day_per_wall_second", options.speedup, "s");

  MessagingOptions messaging;
  messaging.rate = send_rate;
  messaging.body_bytes = options.body_bytes;
  messaging.drain_seconds = options.drain_seconds;
  const double planned_reads = read_rate * common.duration_seconds;
  const auto conclude = [&](Report& out, const WindowStats& total) {
    const bool sends_done = total.planned > 0 && total.acked == total.planned;
    const bool reads_done = total.reads_failed == 0 && static_cast<double>(total.reads_ok) >= 0.99 * planned_reads;
    const bool fast_enough = static_cast<double>(total.deliver.percentile(99)) <= kKeepUpP99Ms * 1000 &&
                             static_cast<double>(total.read.percentile(99)) <= kKeepUpP99Ms * 1000;
    out.add("model", "keeps_up", sends_done && reads_done && fast_enough);
    out.add("model", "p99_send_to_deliver", static_cast<double>(total.deliver.percentile(99)) / 1000, "ms");
    out.add("model", "p99_history_read", static_cast<double>(total.read.percentile(99)) / 1000, "ms");
  };
  return run_messaging(traffic, common, messaging, BoundOn::send_to_deliver, report, &readers, conclude);
}

}  // namespace talkline::bench
