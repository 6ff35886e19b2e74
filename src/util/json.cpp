#include "util/json.hpp"

#include <cstdint>
#include <limits>

#include "util/utf8.hpp"

namespace talkline::util {
namespace {

// Deepest nesting of arrays and objects in `text`, stopping as soon as `limit` is
// passed. Brackets inside strings do not count. Malformed text may give a wrong
// answer, which is harmless: the parser rejects it anyway. Checking before parsing
// means a hostile body never gets to build a deep tree at all.
int nesting_depth(std::string_view text, int limit) {
  int depth = 0;
  int deepest = 0;
  bool in_string = false;
  bool escaped = false;
  for (const char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    switch (c) {
      case '"': in_string = true; break;
      case '{':
      case '[':
        if (++depth > deepest) deepest = depth;
        if (deepest > limit) return deepest;
        break;
      case '}':
      case ']': --depth; break;
      default: break;
    }
  }
  return deepest;
}

Error bad_body(std::string message) { return Error{ErrorCode::invalid_argument, std::move(message), {}, 0}; }

}  // namespace

Result<Json> parse_json_object(std::string_view text, int max_depth) {
  // nlohmann stops at a NUL byte as if the input ended there, so "{}\0anything"
  // would pass. A raw NUL is never valid JSON (inside strings it must be escaped).
  if (text.find('\0') != std::string_view::npos) return bad_body("body is not valid JSON");
  if (nesting_depth(text, max_depth) > max_depth) {
    return bad_body("JSON nesting is deeper than " + std::to_string(max_depth) + " levels");
  }
  Json value;
  try {
    value = Json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  } catch (...) {
    // Only allocation failure can get here; the body is still just refused.
    return bad_body("body is not valid JSON");
  }
  if (value.is_discarded()) return bad_body("body is not valid JSON");
  if (!value.is_object()) return bad_body("body must be a JSON object");
  return value;
}

std::string dump_json(const Json& value) { return value.dump(-1, ' ', false, Json::error_handler_t::replace); }

void append_json_string(std::string& out, std::string_view text) {
  if (!utf8_valid(text)) {
    out += dump_json(Json(std::string(text)));  // its replacement characters, not ours
    return;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  for (char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += "\\u00";
          out.push_back(kHex[(c >> 4) & 0xf]);
          out.push_back(kHex[c & 0xf]);
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
}

std::optional<std::int64_t> id_from_json(const Json& value) {
  if (value.is_string()) return parse_id(value.get_ref<const std::string&>());
  if (value.is_number_unsigned()) {
    const auto n = value.get<std::uint64_t>();
    if (n == 0 || n > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) return std::nullopt;
    return static_cast<std::int64_t>(n);
  }
  if (value.is_number_integer()) {
    const auto n = value.get<std::int64_t>();
    if (n <= 0) return std::nullopt;
    return n;
  }
  return std::nullopt;
}

std::optional<std::int64_t> parse_id(std::string_view text) {
  if (text.empty() || text.size() > 19) return std::nullopt;
  std::uint64_t n = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (n == 0 || n > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) return std::nullopt;
  return static_cast<std::int64_t>(n);
}

}  // namespace talkline::util
