#pragma once

// Conversions between Beast messages and the plain Request/Response that handlers see.

#include <string_view>

#include "transport/asio/asio.hpp"
#include "transport/http/message.hpp"
#include "transport/http/trusted_proxies.hpp"

namespace talkline::transport::http {

using BeastRequest = boost::beast::http::request<boost::beast::http::string_body>;
using BeastResponse = boost::beast::http::response<boost::beast::http::string_body>;
/// The header of a streamed response; its body is written chunk by chunk.
using BeastStreamedResponse = boost::beast::http::response<boost::beast::http::buffer_body>;

/// Copies method, target and headers, moves the body, sets the request id (the
/// client's X-Request-Id when valid, a fresh one otherwise) and the client address: the
/// TCP peer's, or, when `proxies` trusts the peer, the one its X-Forwarded-For names.
/// Path and query are left empty: see decode_target.
Request to_request(BeastRequest& raw, std::string_view peer_address, const TrustedProxies& proxies);

/// Fills `path` and `query` from `target`; false when the target is not an
/// origin-form path or has malformed escapes.
bool decode_target(Request& request);

/// Builds the wire response. Header lines with CR, LF or NUL are dropped (a handler
/// must not be able to split the response); a status outside 100–599 becomes 500;
/// 1xx, 204 and 304 lose any body. For a HEAD request (`head`) the body is left off
/// the wire but its Content-Length kept: routing does not treat HEAD specially, but
/// a body would corrupt the client's view of a kept-alive connection. A streamed
/// body (Response::stream) is left out, but for HEAD its length is the Content-Length.
BeastResponse to_beast_response(Response response, unsigned version, bool keep_alive, bool head = false);

/// The same for a response with a streamed body (status 200–599 other than 204 and
/// 304): the header with Content-Length set to the stream's length, the body empty.
BeastStreamedResponse to_beast_streamed_response(const Response& response, unsigned version, bool keep_alive);

}  // namespace talkline::transport::http
