#include "transport/http/query.hpp"

namespace talkline::transport::http {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::string> percent_decode(std::string_view raw, bool plus_is_space) {
  std::string out;
  out.reserve(raw.size());
  for (std::size_t i = 0; i < raw.size(); ++i) {
    char c = raw[i];
    if (c == '%') {
      if (raw.size() - i < 3) return std::nullopt;
      int high = hex_value(raw[i + 1]);
      int low = hex_value(raw[i + 2]);
      if (high < 0 || low < 0) return std::nullopt;
      out.push_back(static_cast<char>(high * 16 + low));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace

TargetParts split_target(std::string_view target) {
  auto hash = target.find('#');
  if (hash != std::string_view::npos) target = target.substr(0, hash);
  auto question = target.find('?');
  if (question == std::string_view::npos) return {target, {}};
  return {target.substr(0, question), target.substr(question + 1)};
}

std::optional<std::string> decode_path(std::string_view raw) {
  auto decoded = percent_decode(raw, false);
  if (decoded && decoded->find('\0') != std::string::npos) return std::nullopt;
  return decoded;
}

std::optional<std::string> decode_query_component(std::string_view raw) { return percent_decode(raw, true); }

std::optional<std::unordered_map<std::string, std::string>> parse_query(std::string_view raw) {
  std::unordered_map<std::string, std::string> params;
  while (!raw.empty()) {
    auto amp = raw.find('&');
    std::string_view piece = raw.substr(0, amp);
    raw = amp == std::string_view::npos ? std::string_view{} : raw.substr(amp + 1);
    if (piece.empty()) continue;

    auto eq = piece.find('=');
    auto key = decode_query_component(piece.substr(0, eq));
    auto value = decode_query_component(eq == std::string_view::npos ? std::string_view{} : piece.substr(eq + 1));
    if (!key || !value) return std::nullopt;
    params.insert_or_assign(std::move(*key), std::move(*value));
  }
  return params;
}

}  // namespace talkline::transport::http
