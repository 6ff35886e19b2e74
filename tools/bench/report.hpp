#pragma once

#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "histogram.hpp"
#include "util/json.hpp"

namespace talkline::bench {

/// count, p50, p99, p99.9, max and mean of a latency histogram (microseconds), as JSON.
util::Json latency_json(const Histogram& histogram);

/// A run's result: printed as a two-column table, written as JSON.
class Report {
 public:
  explicit Report(std::string scenario);

  /// Sets json[section][key] = value and adds a table row "key  value unit".
  void add(const std::string& section, const std::string& key, const util::Json& value, const std::string& unit = {});
  /// Adds count, p50, p99, p99.9 and max (microseconds) of `histogram` under section.name.
  void add_latency(const std::string& section, const std::string& name, const Histogram& histogram);

  /// Sets json[key] = value without a table row (per-step and timeline detail).
  void attach(const std::string& key, util::Json value) { json_[key] = std::move(value); }

  void print(std::ostream& out) const;
  /// Writes the JSON; false when the file cannot be written.
  bool write_json(const std::string& path) const;

 private:
  struct Row {
    std::string section;
    std::string key;
    std::string value;
  };
  util::Json json_;
  std::vector<Row> rows_;
};

}  // namespace talkline::bench
