#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace talkline::transport::http {

/// A strong entity tag (`"<opaque>"`) made from `opaque`, say a content hash. Bytes
/// that an entity tag cannot hold (quotes, blanks, controls, backslash) are dropped.
std::string strong_etag(std::string_view opaque);

/// Whether an `If-None-Match` value matches `etag` (a complete tag, `"x"` or `W/"x"`),
/// so that a GET or HEAD gets 304 (RFC 9110 §13.1.2): `*` matches, and so does any
/// member of the list whose opaque tag equals etag's (weak comparison: `W/` is ignored
/// on both sides). A value that is not a well-formed list matches nothing: the client
/// then gets the full answer, never a wrong 304. Pure; never throws.
bool if_none_match_matches(std::string_view header, std::string_view etag);
/// The same over every `If-None-Match` line of a request (a list may be split).
bool if_none_match_matches(const std::vector<std::string_view>& headers, std::string_view etag);

/// Whether an `If-Range` value lets a Range apply (RFC 9110 §13.1.5): it must be a
/// strong tag equal to `etag`, itself strong. A date or a weak tag means "send it all".
bool if_range_matches(std::string_view header, std::string_view etag);

}  // namespace talkline::transport::http
