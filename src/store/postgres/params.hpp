#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace talkline::store::postgres {

/// The values of a statement's $1, $2, … in libpq's text format; an empty optional is
/// SQL NULL. Values are copied, so a Params can be queued and sent from another thread.
class Params {
 public:
  Params() = default;

  template <typename... Args>
  static Params of(const Args&... args) {
    Params params;
    (params.add(args), ...);
    return params;
  }

  void add(std::int64_t value) { values_.emplace_back(std::to_string(value)); }
  void add(int value) { add(static_cast<std::int64_t>(value)); }
  void add(std::string_view value) { values_.emplace_back(std::string(value)); }
  void add(const std::string& value) { values_.emplace_back(value); }
  void add(const char* value) { values_.emplace_back(std::string(value)); }
  void add(const std::optional<std::int64_t>& value) {
    if (value) return add(*value);
    values_.emplace_back(std::nullopt);
  }
  void add(const std::optional<std::string>& value) {
    if (value) return add(*value);
    values_.emplace_back(std::nullopt);
  }
  /// A bigint[] literal, for `= ANY($n::bigint[])`.
  void add(const std::vector<std::int64_t>& values);

  int size() const { return static_cast<int>(values_.size()); }
  /// Pointers libpq reads the values through; valid while this object is unchanged.
  std::vector<const char*> pointers() const;

 private:
  std::vector<std::optional<std::string>> values_;
};

}  // namespace talkline::store::postgres
