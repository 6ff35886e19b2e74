#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace talkline::transport::http {

/// Header list with case-insensitive lookup. Kept as a vector: requests carry few headers.
class Headers {
 public:
  void set(std::string name, std::string value);  // replaces any same-named header
  void add(std::string name, std::string value);  // appends
  std::optional<std::string_view> get(std::string_view name) const;
  /// Every value of `name`, in the order received (a list header may come in several lines).
  std::vector<std::string_view> get_all(std::string_view name) const;
  bool has(std::string_view name) const { return get(name).has_value(); }
  const std::vector<std::pair<std::string, std::string>>& all() const { return items_; }

 private:
  std::vector<std::pair<std::string, std::string>> items_;
};

/// An HTTP request as handlers see it: plain data, no Beast types.
struct Request {
  std::string method;                                  // upper-case, e.g. "GET"
  std::string target;                                  // raw request target
  std::string path;                                    // percent-decoded path, without the query
  std::unordered_map<std::string, std::string> query;  // decoded; last value wins
  Headers headers;
  std::string body;
  std::string remote_address;
  std::string request_id;
  /// Values of `{name}` segments of the matched route pattern.
  std::unordered_map<std::string, std::string> path_params;

  std::optional<std::string_view> header(std::string_view name) const { return headers.get(name); }
  /// The query value or nullopt.
  std::optional<std::string_view> query_param(std::string_view name) const;
  std::string_view path_param(std::string_view name) const;
};

struct Response {
  int status = 200;
  Headers headers;
  std::string body;

  /// A response with a JSON body and `Content-Type: application/json`.
  static Response json(int status, std::string body);
  /// A body-less response (204 and friends).
  static Response empty(int status);
};

}  // namespace talkline::transport::http
