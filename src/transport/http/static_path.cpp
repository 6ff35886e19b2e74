#include "transport/http/static_path.hpp"

#include <array>
#include <cctype>
#include <utility>

namespace talkline::transport::http {

namespace {

constexpr std::string_view kIndex = "index.html";

bool acceptable_segment(std::string_view segment) {
  if (segment.empty() || segment.front() == '.') return false;
  for (const char c : segment) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f || c == '\\') return false;
  }
  return true;
}

std::string lower_extension(std::string_view file_name) {
  const auto slash = file_name.rfind('/');
  if (slash != std::string_view::npos) file_name.remove_prefix(slash + 1);
  const auto dot = file_name.rfind('.');
  if (dot == std::string_view::npos) return {};
  std::string extension(file_name.substr(dot + 1));
  for (auto& c : extension) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return extension;
}

}  // namespace

std::optional<std::string> static_relative_path(std::string_view path) {
  std::string relative;
  relative.reserve(path.size() + kIndex.size());
  for (;;) {
    const auto slash = path.find('/');
    const auto segment = path.substr(0, slash);
    if (slash == std::string_view::npos) {
      // The last segment: empty means "the directory", whose index is served.
      if (segment.empty()) {
        relative.append(kIndex);
      } else if (acceptable_segment(segment)) {
        relative.append(segment);
      } else {
        return std::nullopt;
      }
      return relative;
    }
    if (!acceptable_segment(segment)) return std::nullopt;
    relative.append(segment).push_back('/');
    path.remove_prefix(slash + 1);
  }
}

std::string_view static_content_type(std::string_view file_name) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 18> kTypes{{
      {"html", "text/html; charset=utf-8"},
      {"css", "text/css; charset=utf-8"},
      {"js", "text/javascript; charset=utf-8"},
      {"mjs", "text/javascript; charset=utf-8"},
      {"json", "application/json"},
      {"map", "application/json"},
      {"txt", "text/plain; charset=utf-8"},
      {"svg", "image/svg+xml"},
      {"png", "image/png"},
      {"jpg", "image/jpeg"},
      {"jpeg", "image/jpeg"},
      {"gif", "image/gif"},
      {"webp", "image/webp"},
      {"ico", "image/x-icon"},
      {"woff2", "font/woff2"},
      {"woff", "font/woff"},
      {"webmanifest", "application/manifest+json"},
      {"wasm", "application/wasm"},
  }};
  const auto extension = lower_extension(file_name);
  for (const auto& [known, type] : kTypes) {
    if (extension == known) return type;
  }
  return "application/octet-stream";
}

}  // namespace talkline::transport::http
