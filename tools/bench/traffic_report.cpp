#include "traffic_report.hpp"

#include <cmath>
#include <cstdio>
#include <iostream>

namespace talkline::bench {

using util::Json;

namespace {

double per_second(std::uint64_t count, double seconds) {
  return seconds > 0 ? static_cast<double>(count) / seconds : 0.0;
}

double ms(std::uint64_t micros) { return static_cast<double>(micros) / 1000; }

// Per node of a server run as several processes: CPU over the window (percent of one
// core), RSS and open files at its end. Null where a node was not sampled.
Json nodes_json(const WindowResources& resources) {
  Json nodes = Json::array();
  for (std::size_t n = 0; n < resources.node_count(); ++n) {
    Json node = Json::object();
    if (auto cpu = resources.node_cpu_percent(n)) node["cpu_percent"] = *cpu;
    if (const auto& end = resources.end.nodes.nodes[n]) node["rss_kib"] = end->rss_kib;
    if (resources.end.nodes.open_files[n] >= 0) node["open_files"] = resources.end.nodes.open_files[n];
    nodes.push_back(std::move(node));
  }
  return nodes;
}

}  // namespace

void add_targets(Report& report, const CommonOptions& common, std::optional<double> cross_node_share) {
  Json urls = Json::array();
  for (const auto& target : common.targets) urls.push_back(target.url());
  report.add("parameters", "nodes", common.targets.size());
  report.add("parameters", "targets", urls);
  if (cross_node_share && common.targets.size() > 1) {
    report.add("parameters", "cross_node_delivery_share", std::round(*cross_node_share * 1000) / 1000);
  }
}

Json window_json(const WindowStats& stats, double seconds, const WindowResources* resources) {
  Json json = {{"seconds", seconds},
               {"planned", stats.planned},
               {"sent", stats.sent},
               {"acked_ok", stats.acked},
               {"refused", stats.refused},
               {"delivered", stats.delivered},
               {"duplicated", stats.duplicated},
               {"out_of_order", stats.out_of_order},
               {"send_rate", per_second(stats.sent, seconds)},
               {"ack_rate", per_second(stats.acked, seconds)},
               {"delivery_rate", per_second(stats.delivered, seconds)},
               {"send_to_ack_us", latency_json(stats.ack)},
               {"send_to_deliver_us", latency_json(stats.deliver)},
               {"send_to_last_delivery_us", latency_json(stats.last_delivery)}};
  if (stats.read.count() > 0) {
    json["reads_ok"] = stats.reads_ok;
    json["reads_failed"] = stats.reads_failed;
    json["read_rate"] = per_second(stats.reads_ok, seconds);
    json["read_us"] = latency_json(stats.read);
  }
  if (resources) {
    if (auto cpu = resources->server_cpu_percent()) json["server_cpu_percent"] = *cpu;
    if (auto cpu = resources->bench_cpu_percent()) json["bench_cpu_percent"] = *cpu;
    if (resources->end.server) json["server_rss_kib"] = resources->end.server->rss_kib;
    if (resources->end.server_open_files >= 0) json["server_open_files"] = resources->end.server_open_files;
    if (resources->node_count() > 1) json["server_nodes"] = nodes_json(*resources);
    json["at_seconds"] = resources->end.at_seconds;
  }
  return json;
}

std::string window_line(const WindowStats& stats, double seconds, const WindowResources& resources) {
  char line[320];
  std::snprintf(line, sizeof line,
                "[%6.0fs] sent %.0f/s acked %.0f/s delivered %.0f/s  p99 ack %.2f ms deliver %.2f ms",
                resources.end.at_seconds, per_second(stats.sent, seconds), per_second(stats.acked, seconds),
                per_second(stats.delivered, seconds), ms(stats.ack.percentile(99)), ms(stats.deliver.percentile(99)));
  std::string text = line;
  if (stats.read.count() > 0) {
    std::snprintf(line, sizeof line, "  reads %.0f/s p99 %.2f ms", per_second(stats.reads_ok, seconds),
                  ms(stats.read.percentile(99)));
    text += line;
  }
  if (auto cpu = resources.server_cpu_percent(); cpu && resources.end.server) {
    std::snprintf(line, sizeof line, "  | server cpu %.0f%% rss %.1f MiB fds %ld", *cpu,
                  resources.end.server->rss_kib / 1024, resources.end.server_open_files);
    text += line;
    // With several nodes, each one's CPU after the sum: "(nodes 41+43%)".
    if (resources.node_count() > 1) {
      std::string parts;
      for (std::size_t n = 0; n < resources.node_count(); ++n) {
        std::snprintf(line, sizeof line, "%s%.0f", n == 0 ? "" : "+", resources.node_cpu_percent(n).value_or(0));
        parts += line;
      }
      text += " (nodes " + parts + "%)";
    }
  }
  if (stats.duplicated + stats.out_of_order + stats.refused > 0) {
    std::snprintf(line, sizeof line, "  !! duplicated %llu out-of-order %llu refused %llu",
                  static_cast<unsigned long long>(stats.duplicated),
                  static_cast<unsigned long long>(stats.out_of_order), static_cast<unsigned long long>(stats.refused));
    text += line;
  }
  return text;
}

bool add_messaging_totals(Report& report, const Traffic& traffic, const WindowStats& total, double seconds,
                          std::uint64_t lost) {
  const std::uint64_t unanswered = total.sent - total.acked - total.refused;
  report.add("throughput", "sent", total.sent);
  report.add("throughput", "acked_ok", total.acked);
  report.add("throughput", "delivered", total.delivered);
  report.add("throughput", "send_rate", per_second(total.sent, seconds), "msg/s");
  report.add("throughput", "delivery_rate", per_second(total.delivered, seconds), "msg/s");
  if (total.read.count() > 0) {
    report.add("throughput", "reads_ok", total.reads_ok);
    report.add("throughput", "read_rate", per_second(total.reads_ok, seconds), "req/s");
  }
  report.add_latency("latency", "send_to_ack", total.ack);
  report.add_latency("latency", "send_to_deliver", total.deliver);
  report.add_latency("latency", "send_to_last_delivery", total.last_delivery);
  if (total.read.count() > 0) report.add_latency("latency", "history_read", total.read);
  report.add("correctness", "lost", lost);
  report.add("correctness", "duplicated", total.duplicated);
  report.add("correctness", "out_of_order", total.out_of_order);
  report.add("correctness", "refused", total.refused);
  const std::string refusal = traffic.first_refusal();
  if (!refusal.empty()) report.add("correctness", "first_refusal", refusal);
  report.add("correctness", "unanswered", unanswered);
  report.add("correctness", "not_sent", total.not_sent);
  report.add("correctness", "foreign_deliveries", traffic.foreign_deliveries());
  report.add("correctness", "echoed_to_sender", traffic.echoed_deliveries());
  if (total.read.count() > 0) report.add("correctness", "reads_failed", total.reads_failed);
  return lost == 0 && total.duplicated == 0 && total.out_of_order == 0 && total.refused == 0 && unanswered == 0 &&
         total.not_sent == 0 && total.reads_failed == 0 && traffic.echoed_deliveries() == 0;
}

void add_resources(Report& report, const Traffic& traffic, std::size_t first, std::size_t last) {
  if (first >= last) return;
  WindowResources span{traffic.resources(first).start, traffic.resources(last - 1).end};
  if (auto cpu = span.bench_cpu_percent()) {
    report.add("bench", "cpu_percent", *cpu, "%");
    report.add("bench", "rss", span.end.bench->rss_kib / 1024, "MiB");
  }
  if (auto cpu = span.server_cpu_percent()) {
    report.add("server", "cpu_percent", *cpu, "%");
    report.add("server", "rss", span.end.server->rss_kib / 1024, "MiB");
    if (span.end.server_open_files >= 0) report.add("server", "open_files", span.end.server_open_files);
    add_node_resources(report, span);
  }
}

void add_node_resources(Report& report, const WindowResources& span) {
  if (span.node_count() < 2) return;
  Json cpu = Json::array();
  Json rss = Json::array();
  Json open_files = Json::array();
  for (std::size_t n = 0; n < span.node_count(); ++n) {
    const auto percent = span.node_cpu_percent(n);
    const auto& end = span.end.nodes.nodes[n];
    cpu.push_back(percent ? Json(std::round(*percent * 10) / 10) : Json());
    rss.push_back(end ? Json(std::round(end->rss_kib / 1024 * 10) / 10) : Json());
    open_files.push_back(span.end.nodes.open_files[n]);
  }
  report.add("server", "cpu_percent_per_node", cpu, "%");
  report.add("server", "rss_per_node", rss, "MiB");
  report.add("server", "open_files_per_node", open_files);
}

bool write_report(const Report& report, const std::string& json_file) {
  if (json_file.empty() || report.write_json(json_file)) return true;
  std::cerr << "cannot write " << json_file << "\n";
  return false;
}

}  // namespace talkline::bench
