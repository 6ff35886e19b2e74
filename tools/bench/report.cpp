#include "report.hpp"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iomanip>

namespace talkline::bench {

using util::Json;

Report::Report(std::string scenario) { json_["scenario"] = std::move(scenario); }

void Report::add(const std::string& section, const std::string& key, const Json& value, const std::string& unit) {
  json_[section][key] = value;
  std::string text;
  if (value.is_number_float()) {
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%.2f", value.get<double>());
    text = buffer;
  } else if (value.is_string()) {
    text = value.get<std::string>();
  } else {
    text = value.dump();
  }
  if (!unit.empty()) text += " " + unit;
  rows_.push_back({section, key, std::move(text)});
}

Json latency_json(const Histogram& histogram) {
  return {{"count", histogram.count()},          {"p50", histogram.percentile(50)}, {"p99", histogram.percentile(99)},
          {"p99_9", histogram.percentile(99.9)}, {"max", histogram.max()},          {"mean", histogram.mean()}};
}

void Report::add_latency(const std::string& section, const std::string& name, const Histogram& histogram) {
  json_[section][name + "_us"] = latency_json(histogram);
  char buffer[160];
  std::snprintf(buffer, sizeof buffer, "p50 %.3f  p99 %.3f  p99.9 %.3f  max %.3f ms (n=%llu)",
                static_cast<double>(histogram.percentile(50)) / 1000,
                static_cast<double>(histogram.percentile(99)) / 1000,
                static_cast<double>(histogram.percentile(99.9)) / 1000, static_cast<double>(histogram.max()) / 1000,
                static_cast<unsigned long long>(histogram.count()));
  rows_.push_back({section, name, buffer});
}

void Report::print(std::ostream& out) const {
  out << "talkline-bench " << json_.at("scenario").get<std::string>() << "\n";
  // Sections in the order they first appeared, each with all of its rows.
  std::vector<std::string> sections;
  for (const auto& row : rows_) {
    if (std::find(sections.begin(), sections.end(), row.section) == sections.end()) sections.push_back(row.section);
  }
  for (const auto& section : sections) {
    out << section << "\n";
    for (const auto& row : rows_) {
      if (row.section == section) out << "  " << std::left << std::setw(36) << row.key << row.value << "\n";
    }
  }
}

bool Report::write_json(const std::string& path) const {
  std::ofstream file(path);
  file << json_.dump(2) << "\n";
  return static_cast<bool>(file);
}

}  // namespace talkline::bench
