#include "transport/http/message.hpp"

#include <algorithm>

namespace talkline::transport::http {

namespace {

char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// Header names are ASCII tokens (RFC 9110 §5.1), so a byte-wise fold is enough.
bool same_name(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return ascii_lower(x) == ascii_lower(y); });
}

}  // namespace

void Headers::set(std::string name, std::string value) {
  auto first =
      std::find_if(items_.begin(), items_.end(), [&](const auto& item) { return same_name(item.first, name); });
  if (first == items_.end()) {
    items_.emplace_back(std::move(name), std::move(value));
    return;
  }
  first->second = std::move(value);
  // Later duplicates would contradict the value just set.
  items_.erase(std::remove_if(std::next(first), items_.end(),
                              [&](const auto& item) { return same_name(item.first, first->first); }),
               items_.end());
}

void Headers::add(std::string name, std::string value) { items_.emplace_back(std::move(name), std::move(value)); }

std::optional<std::string_view> Headers::get(std::string_view name) const {
  for (const auto& [key, value] : items_) {
    if (same_name(key, name)) return std::string_view(value);
  }
  return std::nullopt;
}

std::vector<std::string_view> Headers::get_all(std::string_view name) const {
  std::vector<std::string_view> values;
  for (const auto& [key, value] : items_) {
    if (same_name(key, name)) values.emplace_back(value);
  }
  return values;
}

std::optional<std::string_view> Request::query_param(std::string_view name) const {
  // unordered_map<std::string> has no heterogeneous lookup without a custom hash.
  auto it = query.find(std::string(name));
  if (it == query.end()) return std::nullopt;
  return std::string_view(it->second);
}

std::string_view Request::path_param(std::string_view name) const {
  auto it = path_params.find(std::string(name));
  if (it == path_params.end()) return {};
  return it->second;
}

Response Response::json(int status, std::string body) {
  Response response;
  response.status = status;
  response.headers.set("Content-Type", "application/json");
  response.body = std::move(body);
  return response;
}

Response Response::empty(int status) {
  Response response;
  response.status = status;
  return response;
}

Response Response::streamed(int status, std::uint64_t content_length, BodyProducer produce) {
  Response response;
  response.status = status;
  response.stream = StreamedBody{content_length, std::move(produce)};
  return response;
}

}  // namespace talkline::transport::http
