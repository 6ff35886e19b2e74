#include "transport/http/media_type.hpp"

#include <string>

namespace talkline::transport::http {

namespace {

std::string_view trim(std::string_view text) {
  auto first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  auto last = text.find_last_not_of(" \t");
  return text.substr(first, last - first + 1);
}

}  // namespace

bool is_json_media_type(std::string_view content_type) {
  std::string_view essence = trim(content_type.substr(0, content_type.find(';')));
  std::string lower;
  lower.reserve(essence.size());
  for (char c : essence) lower.push_back((c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c);

  constexpr std::string_view kPrefix = "application/";
  constexpr std::string_view kSuffix = "+json";
  if (lower == "application/json") return true;
  return lower.size() > kPrefix.size() + kSuffix.size() && lower.starts_with(kPrefix) && lower.ends_with(kSuffix);
}

}  // namespace talkline::transport::http
