#pragma once

// Decoders for the request target. They read bytes straight from the network, so
// they never throw or crash on any input (a libFuzzer target runs them) and depend
// on nothing but the standard library.

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace talkline::transport::http {

struct TargetParts {
  std::string_view path;   // raw, still percent-encoded
  std::string_view query;  // raw, without the '?'; empty when absent
};

/// Splits a request target at the first '?'; a '#fragment' (never sent by
/// conforming clients) is dropped.
TargetParts split_target(std::string_view target);

/// Percent-decodes a path. '+' stays '+'. Nullopt on a '%' not followed by two hex
/// digits and on any NUL byte, encoded or raw, since NULs truncate paths in C APIs.
/// `%2F` decodes to '/', so routing cannot tell it from a real separator.
std::optional<std::string> decode_path(std::string_view raw);

/// Percent-decodes one query key or value, with '+' as a space. Nullopt on a '%'
/// not followed by two hex digits.
std::optional<std::string> decode_query_component(std::string_view raw);

/// Parses `a=1&b=2` into decoded pairs. Empty pieces (`a=1&&b=2`) are skipped, a key
/// without '=' gets an empty value, and the last value of a repeated key wins.
/// Nullopt when any component has a malformed escape.
std::optional<std::unordered_map<std::string, std::string>> parse_query(std::string_view raw);

}  // namespace talkline::transport::http
