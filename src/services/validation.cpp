#include "services/validation.hpp"

#include <algorithm>
#include <charconv>
#include <string>

#include "util/utf8.hpp"

namespace talkline::services::validation {
namespace {

bool is_blank(std::string_view value) {
  return std::all_of(value.begin(), value.end(), [](char c) { return c == ' ' || c == '\n' || c == '\t'; });
}

/// Shared checks for human-readable text fields.
Result<void> text(std::string_view field, std::string_view value, int min_chars, int max_chars,
                  bool allow_newline_and_tab) {
  if (!util::utf8_valid(value)) return Error::invalid(std::string(field), "must be valid UTF-8");
  if (util::has_control_characters(value, allow_newline_and_tab)) {
    return Error::invalid(std::string(field), allow_newline_and_tab
                                                  ? "must not contain control characters other than newline and tab"
                                                  : "must not contain control characters");
  }
  const auto length = util::utf8_length(value);
  if (length < static_cast<std::size_t>(min_chars) || length > static_cast<std::size_t>(max_chars)) {
    return Error::invalid(std::string(field),
                          "must be " + std::to_string(min_chars) + " to " + std::to_string(max_chars) + " characters");
  }
  if (min_chars > 0 && is_blank(value)) return Error::invalid(std::string(field), "must not be blank");
  return {};
}

}  // namespace

Result<std::string> username(std::string_view value, std::string_view field) {
  if (value.size() < 3 || value.size() > 32) {
    return Error::invalid(std::string(field), "must be 3 to 32 characters");
  }
  std::string lowered;
  lowered.reserve(value.size());
  for (char c : value) {
    const bool allowed =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.';
    if (!allowed) return Error::invalid(std::string(field), "may contain only letters, digits, '_' and '.'");
    lowered.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
  }
  return lowered;
}

Result<void> password(std::string_view value) {
  if (value.size() < 8 || value.size() > 256) return Error::invalid("password", "must be 8 to 256 bytes");
  if (!util::utf8_valid(value)) return Error::invalid("password", "must be valid UTF-8");
  if (value.find('\0') != std::string_view::npos) return Error::invalid("password", "must not contain NUL");
  return {};
}

Result<void> display_name(std::string_view value, const DomainLimits& limits) {
  return text("displayName", value, 1, limits.display_name_max_chars, false);
}

Result<void> bio(std::string_view value, const DomainLimits& limits) {
  return text("bio", value, 0, limits.bio_max_chars, true);
}

Result<void> avatar_url(std::string_view value, const DomainLimits& limits) {
  if (value.empty()) return {};
  if (value.size() > static_cast<std::size_t>(limits.avatar_url_max_bytes)) {
    return Error::invalid("avatarUrl", "must be at most " + std::to_string(limits.avatar_url_max_bytes) + " bytes");
  }
  std::string_view rest;
  if (value.starts_with("https://")) {
    rest = value.substr(8);
  } else if (value.starts_with("http://")) {
    rest = value.substr(7);
  } else {
    return Error::invalid("avatarUrl", "must be an http or https URL");
  }
  const auto host_end = rest.find_first_of("/?#");
  const auto host = rest.substr(0, host_end);
  if (host.empty() || host.find('@') != std::string_view::npos) {
    return Error::invalid("avatarUrl", "must name a host and carry no credentials");
  }
  for (unsigned char c : value) {
    if (c <= 0x20 || c >= 0x7f) return Error::invalid("avatarUrl", "must not contain spaces or non-ASCII characters");
  }
  return {};
}

Result<void> title(std::string_view value, const DomainLimits& limits) {
  return text("title", value, 1, limits.title_max_chars, false);
}

Result<void> message_body(std::string_view value, const DomainLimits& limits) {
  return text("body", value, 1, limits.message_max_chars, true);
}

Result<void> attachment_ids(const std::vector<std::int64_t>& ids, const DomainLimits& limits) {
  if (ids.size() > static_cast<std::size_t>(limits.attachments_per_message)) {
    return Error::invalid("attachmentIds",
                          "must hold at most " + std::to_string(limits.attachments_per_message) + " uploads");
  }
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (std::find(ids.begin(), ids.begin() + static_cast<std::ptrdiff_t>(i), ids[i]) != ids.begin() + static_cast<std::ptrdiff_t>(i)) {
      return Error::invalid("attachmentIds", "must not name an upload twice");
    }
  }
  return ok_result();
}

Result<void> client_msg_id(std::string_view value, const DomainLimits& limits) {
  return client_key(value, "clientMsgId", limits);
}

Result<void> client_key(std::string_view value, std::string_view field, const DomainLimits& limits) {
  if (value.empty() || value.size() > static_cast<std::size_t>(limits.client_msg_id_max_bytes)) {
    return Error::invalid(std::string(field),
                          "must be 1 to " + std::to_string(limits.client_msg_id_max_bytes) + " characters");
  }
  for (unsigned char c : value) {
    if (c <= 0x20 || c >= 0x7f) return Error::invalid(std::string(field), "must be printable ASCII without spaces");
  }
  return {};
}

Result<void> reaction(std::string_view value, const DomainLimits& limits) {
  if (value.empty() || value.size() > static_cast<std::size_t>(limits.reaction_max_bytes)) {
    return Error::invalid("emoji", "must be 1 to " + std::to_string(limits.reaction_max_bytes) + " bytes");
  }
  if (!util::utf8_valid(value)) return Error::invalid("emoji", "must be valid UTF-8");
  const bool has_space = value.find(' ') != std::string_view::npos;
  if (has_space || util::has_control_characters(value, false)) {
    return Error::invalid("emoji", "must not contain spaces or control characters");
  }
  return {};
}

Result<int> page_limit(std::optional<std::string_view> value, const DomainLimits& limits) {
  if (!value) return limits.page_default_limit;
  int parsed = 0;
  const auto* end = value->data() + value->size();
  const auto [ptr, ec] = std::from_chars(value->data(), end, parsed);
  if (ec != std::errc{} || ptr != end || parsed < 1 || parsed > limits.page_max_limit) {
    return Error::invalid("limit", "must be an integer from 1 to " + std::to_string(limits.page_max_limit));
  }
  return parsed;
}

}  // namespace talkline::services::validation
