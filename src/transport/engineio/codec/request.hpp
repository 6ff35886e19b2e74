#pragma once

// Checks the query of an Engine.IO v4 request before any session is touched, and
// renders the error answers the reference server gives, so clients see the codes
// they expect.

#include <string>
#include <string_view>
#include <variant>

namespace talkline::transport::engineio {

enum class Transport { polling, websocket };

/// "polling" or "websocket", as written in the query and in `upgrades`.
std::string_view transport_name(Transport transport);

/// The Engine.IO part of a request that passed check_request. Despite the name it
/// describes every request, not only the handshake: `sid` is empty on a handshake
/// (the request that opens a session) and set on every later one.
struct HandshakeRequest {
  Transport transport = Transport::polling;
  /// Well formed (is_well_formed_sid) when set, but not known to exist: looking it
  /// up is the caller's job, answering `unknown_sid` when it is not there.
  std::string sid;
  /// The client asked (`b64=<anything non-empty>`) for binary as base64 text.
  bool base64_binary = false;

  bool is_handshake() const { return sid.empty(); }

  friend bool operator==(const HandshakeRequest&, const HandshakeRequest&) = default;
};

/// The reference server's error codes; the numbers are on the wire.
enum class RequestErrorCode {
  unknown_transport = 0,
  unknown_sid = 1,
  bad_handshake_method = 2,
  bad_request = 3,
  forbidden = 4,
  unsupported_protocol_version = 5,
};

/// An error answer: the HTTP status, and what render_error_body puts in the body.
struct RequestError {
  RequestErrorCode code = RequestErrorCode::bad_request;
  /// 403 for forbidden, 400 for everything else, as the reference server answers.
  int http_status = 400;
  std::string message;

  friend bool operator==(const RequestError&, const RequestError&) = default;
};

/// The spec's message for a code: "Transport unknown", "Session ID unknown",
/// "Bad handshake method", "Bad request", "Forbidden", "Unsupported protocol version".
std::string_view request_error_message(RequestErrorCode code);

/// The error for `code`, with its status and the standard message unless `message`
/// is given (the reference lets an authorisation hook explain a `forbidden`).
RequestError make_request_error(RequestErrorCode code, std::string message = {});

/// The JSON body of an error answer to an HTTP request, `{"code":N,"message":"…"}`,
/// sent with `Content-Type: application/json` and `http_status`. A refused WebSocket
/// upgrade is answered differently by the reference: always 400 (even when
/// forbidden), with the bare `message` as a text body.
std::string render_error_body(const RequestError& error);

using RequestCheck = std::variant<HandshakeRequest, RequestError>;

/// Checks a request against the protocol before any session is looked up.
/// `query` is the raw query string (after '?', still percent-encoded), `method` the
/// HTTP method as sent, `websocket_upgrade` whether it asks for a WebSocket.
///
/// The checks run in the reference server's order, first failure wins:
/// 1. `bad_request`: a malformed percent escape anywhere, or `EIO`, `transport`,
///    `sid` or `b64` given twice (two readers could disagree about which counts).
/// 2. `unknown_transport`: `transport` missing or not "polling"/"websocket".
/// 3. `unknown_sid`: a `sid` make_sid could not have produced.
/// 4. `bad_handshake_method`: a handshake (no `sid`, or an empty one) not sent as GET.
/// 5. `bad_request`: a WebSocket transport without an upgrade, a polling one with
///    an upgrade, a polling request with a `sid` that is neither GET nor POST, or a
///    `j` parameter (JSONP, which we do not serve).
/// 6. `unsupported_protocol_version`: `EIO` missing or anything but "4" (the
///    reference answers this way to v3 clients, which we do not serve either).
/// Never returns `forbidden`: deciding that (origin, authorisation) and whether
/// `sid` exists is left to the caller, which builds the answer with
/// make_request_error. CORS preflights (OPTIONS) must be answered before this.
/// Other parameters (`t` for cache busting, application ones) are ignored.
RequestCheck check_request(std::string_view query, std::string_view method, bool websocket_upgrade);

}  // namespace talkline::transport::engineio
