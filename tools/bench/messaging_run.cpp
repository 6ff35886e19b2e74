#include "messaging_run.hpp"

#include <chrono>
#include <cstdio>
#include <iostream>
#include <thread>

#include "traffic_report.hpp"

namespace talkline::bench {

using util::Json;

namespace {

// Most time the last drain may take while answers keep arriving (it stops sooner when
// they stop).
constexpr double kFinalDrainSeconds = 300;

struct StepOutcome {
  bool sustained = false;
  bool within_bound = false;
  std::uint64_t p99_us = 0;
};

// A step is sustained when every planned send went out and was acked; it is within the
// bound when, in addition, its p99 stayed under it.
StepOutcome judge(const WindowStats& stats, BoundOn bound_on, double bound_ms) {
  StepOutcome outcome;
  outcome.sustained = stats.planned > 0 && stats.not_sent == 0 && stats.refused == 0 && stats.acked == stats.sent;
  const Histogram& latency = bound_on == BoundOn::send_to_ack || stats.deliver.count() == 0 ? stats.ack : stats.deliver;
  outcome.p99_us = latency.percentile(99);
  outcome.within_bound = outcome.sustained && (bound_ms <= 0 || static_cast<double>(outcome.p99_us) <= bound_ms * 1000);
  return outcome;
}

}  // namespace

bool connect_traffic(Traffic& traffic, std::size_t connections) {
  std::cerr << "opening " << connections << " connections\n";
  const std::string error = traffic.connect();
  if (error.empty()) return true;
  std::cerr << error << "\n";
  return false;
}

int run_messaging(Traffic& traffic, const CommonOptions& common, const MessagingOptions& options, BoundOn bound_on,
                  Report& report, PhaseCompanion* companion,
                  const std::function<void(Report&, const WindowStats&)>& conclude) {
  const std::vector<double> rates = options.rates.empty() ? std::vector<double>{options.rate} : options.rates;
  const char* bound_name = bound_on == BoundOn::send_to_ack ? "send_to_ack" : "send_to_deliver";
  report.add("parameters", "rates", Json(rates), "msg/s");
  report.add("parameters", "duration_per_rate", common.duration_seconds, "s");
  report.add("parameters", "body_bytes", options.body_bytes);
  if (options.p99_bound_ms > 0)
    report.add("parameters", std::string("p99_bound_") + bound_name, options.p99_bound_ms, "ms");

  Json timeline = Json::array();
  const auto on_window = [&](std::size_t w) {
    if (common.report_every_seconds <= 0) return;
    const auto& resources = traffic.resources(w);
    const double seconds = resources.end.at_seconds - resources.start.at_seconds;
    const auto stats = traffic.window(w);
    std::cerr << window_line(stats, seconds, resources) << "\n";
    timeline.push_back(window_json(stats, seconds, &resources));
  };

  if (options.settle_seconds > 0) {
    report.add("parameters", "settle", options.settle_seconds, "s");
    std::cerr << "settling for " << options.settle_seconds << " s\n";
    std::this_thread::sleep_for(std::chrono::duration<double>(options.settle_seconds));
  }

  Json steps = Json::array();
  double best_rate = 0;
  std::uint64_t best_p99 = 0;
  double seconds_run = 0;
  for (double rate : rates) {
    std::cerr << "sending " << rate << " msg/s for " << common.duration_seconds << " s\n";
    const std::size_t first = traffic.run_phase(rate, common.duration_seconds, common.report_every_seconds,
                                                options.drain_seconds, on_window, companion);
    const std::size_t last = traffic.window_count();
    seconds_run += common.duration_seconds;
    const auto stats = traffic.windows(first, last);
    const WindowResources span{traffic.resources(first).start, traffic.resources(last - 1).end};
    const auto outcome = judge(stats, bound_on, options.p99_bound_ms);
    Json step = window_json(stats, common.duration_seconds, &span);
    step["rate"] = rate;
    step["sustained"] = outcome.sustained;
    step["within_bound"] = outcome.within_bound;
    steps.push_back(step);
    char line[200];
    std::snprintf(line, sizeof line, "  %.0f msg/s: %s, p99 %s %.3f ms", rate,
                  outcome.sustained ? "sustained" : "NOT sustained", bound_name,
                  static_cast<double>(outcome.p99_us) / 1000);
    std::cerr << line << "\n";
    if (outcome.within_bound && rate >= best_rate) {
      best_rate = rate;
      best_p99 = outcome.p99_us;
    }
    if (!outcome.within_bound) break;
  }

  // An overloaded last step may still owe answers: give them time before anything
  // outstanding is counted as unanswered or lost.
  if (!traffic.wait_idle(kFinalDrainSeconds)) std::cerr << "answers still outstanding after the final drain\n";
  const auto total = traffic.windows(0, traffic.window_count());
  const std::size_t window_count = traffic.window_count();
  const std::uint64_t lost = traffic.finish();
  if (rates.size() > 1 || options.p99_bound_ms > 0) {
    report.add("summary", "highest_rate_within_bound", best_rate, "msg/s");
    report.add("summary", std::string("p99_") + bound_name + "_at_that_rate", static_cast<double>(best_p99) / 1000,
               "ms");
  }
  if (conclude) conclude(report, total);
  const bool clean = add_messaging_totals(report, traffic, total, seconds_run, lost);
  add_resources(report, traffic, 0, window_count);
  report.attach("steps", std::move(steps));
  if (!timeline.empty()) report.attach("timeline", std::move(timeline));
  report.print(std::cout);
  if (!write_report(report, common.json_file)) return 2;
  return clean ? 0 : 1;
}

}  // namespace talkline::bench
