#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>
#include <cstdint>

#include "services/limits.hpp"
#include "util/result.hpp"

namespace talkline::services::validation {

/// Returns the username lower-cased when it is 3–32 characters of [A-Za-z0-9_.].
Result<std::string> username(std::string_view value, std::string_view field = "username");
/// 8–256 bytes, valid UTF-8, no NUL.
Result<void> password(std::string_view value);
/// 1..max code points, valid UTF-8, no control characters, not only whitespace.
Result<void> display_name(std::string_view value, const DomainLimits& limits);
/// 0..max code points, valid UTF-8; newline and tab allowed.
Result<void> bio(std::string_view value, const DomainLimits& limits);
/// Empty, or an absolute http(s) URL with a host, no spaces or control characters.
Result<void> avatar_url(std::string_view value, const DomainLimits& limits);
/// 1..max code points, valid UTF-8, no control characters, not only whitespace.
Result<void> title(std::string_view value, const DomainLimits& limits);
/// 1..max code points, valid UTF-8, no control characters but newline and tab.
Result<void> message_body(std::string_view value, const DomainLimits& limits);
/// At most attachments_per_message upload ids, none twice.
Result<void> attachment_ids(const std::vector<std::int64_t>& ids, const DomainLimits& limits);
/// 1..max bytes of printable ASCII without spaces.
Result<void> client_msg_id(std::string_view value, const DomainLimits& limits);
/// A client's idempotency key of an edit or delete, named `field`: the same rule as clientMsgId.
Result<void> client_key(std::string_view value, std::string_view field, const DomainLimits& limits);
/// A reaction: 1 to reaction_max_bytes of valid UTF-8 without spaces or control characters
/// (an emoji with its modifiers and joiners, or a short code like ":+1:").
Result<void> reaction(std::string_view value, const DomainLimits& limits);
/// `limit` query value: absent gives the default; otherwise 1..page_max_limit.
Result<int> page_limit(std::optional<std::string_view> value, const DomainLimits& limits);

}  // namespace talkline::services::validation
