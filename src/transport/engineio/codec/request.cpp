#include "transport/engineio/codec/request.hpp"

#include <optional>
#include <string>

#include "transport/engineio/codec/handshake.hpp"
#include "util/json.hpp"

namespace talkline::transport::engineio {
namespace {

constexpr std::string_view kProtocolVersion = "4";

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Form decoding ('+' is a space); nullopt on a '%' without two hex digits after it.
std::optional<std::string> decode_component(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  for (std::size_t i = 0; i < raw.size(); ++i) {
    const char c = raw[i];
    if (c == '%') {
      if (raw.size() - i < 3) return std::nullopt;
      const int high = hex_value(raw[i + 1]);
      const int low = hex_value(raw[i + 2]);
      if (high < 0 || low < 0) return std::nullopt;
      out.push_back(static_cast<char>(high * 16 + low));
      i += 2;
    } else {
      out.push_back(c == '+' ? ' ' : c);
    }
  }
  return out;
}

// The parameters the protocol reserves. Each is nullopt when absent, so that
// "present but empty" (`sid=`) stays distinguishable from "absent".
struct EngineParams {
  std::optional<std::string> eio;
  std::optional<std::string> transport;
  std::optional<std::string> sid;
  std::optional<std::string> b64;
  bool jsonp = false;
};

// Nullopt on a malformed escape or a repeated reserved key.
std::optional<EngineParams> parse_params(std::string_view query) {
  EngineParams params;
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view piece = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (piece.empty()) continue;

    const auto eq = piece.find('=');
    auto key = decode_component(piece.substr(0, eq));
    auto value = decode_component(eq == std::string_view::npos ? std::string_view{} : piece.substr(eq + 1));
    if (!key || !value) return std::nullopt;

    std::optional<std::string>* slot = nullptr;
    if (*key == "EIO") {
      slot = &params.eio;
    } else if (*key == "transport") {
      slot = &params.transport;
    } else if (*key == "sid") {
      slot = &params.sid;
    } else if (*key == "b64") {
      slot = &params.b64;
    } else if (*key == "j") {
      params.jsonp = true;
    }
    if (slot == nullptr) continue;
    if (slot->has_value()) return std::nullopt;
    *slot = std::move(*value);
  }
  return params;
}

std::optional<Transport> transport_from_name(std::string_view name) {
  if (name == "polling") return Transport::polling;
  if (name == "websocket") return Transport::websocket;
  return std::nullopt;
}

}  // namespace

std::string_view transport_name(Transport transport) {
  switch (transport) {
    case Transport::polling: return "polling";
    case Transport::websocket: return "websocket";
  }
  return "polling";
}

std::string_view request_error_message(RequestErrorCode code) {
  switch (code) {
    case RequestErrorCode::unknown_transport: return "Transport unknown";
    case RequestErrorCode::unknown_sid: return "Session ID unknown";
    case RequestErrorCode::bad_handshake_method: return "Bad handshake method";
    case RequestErrorCode::bad_request: return "Bad request";
    case RequestErrorCode::forbidden: return "Forbidden";
    case RequestErrorCode::unsupported_protocol_version: return "Unsupported protocol version";
  }
  return "Bad request";
}

RequestError make_request_error(RequestErrorCode code, std::string message) {
  if (message.empty()) message = std::string(request_error_message(code));
  const int status = code == RequestErrorCode::forbidden ? 403 : 400;
  return RequestError{code, status, std::move(message)};
}

std::string render_error_body(const RequestError& error) {
  // util::Json sorts keys, which happens to give the reference order: code, message.
  return util::dump_json(util::Json{{"code", static_cast<int>(error.code)}, {"message", error.message}});
}

RequestCheck check_request(std::string_view query, std::string_view method, bool websocket_upgrade) {
  const auto params = parse_params(query);
  if (!params) return make_request_error(RequestErrorCode::bad_request);

  const auto transport = params->transport ? transport_from_name(*params->transport) : std::nullopt;
  if (!transport) return make_request_error(RequestErrorCode::unknown_transport);

  // The reference treats `sid=` like no sid at all, so an empty one means a handshake.
  const bool has_sid = params->sid && !params->sid->empty();
  if (has_sid && !is_well_formed_sid(*params->sid)) return make_request_error(RequestErrorCode::unknown_sid);
  if (!has_sid && method != "GET") return make_request_error(RequestErrorCode::bad_handshake_method);

  const bool wants_websocket = *transport == Transport::websocket;
  if (wants_websocket != websocket_upgrade) return make_request_error(RequestErrorCode::bad_request);
  if (has_sid && !wants_websocket && method != "GET" && method != "POST") {
    return make_request_error(RequestErrorCode::bad_request);
  }
  if (params->jsonp) return make_request_error(RequestErrorCode::bad_request);

  if (params->eio != kProtocolVersion) return make_request_error(RequestErrorCode::unsupported_protocol_version);

  HandshakeRequest request;
  request.transport = *transport;
  if (has_sid) request.sid = *params->sid;
  request.base64_binary = params->b64 && !params->b64->empty();
  return request;
}

}  // namespace talkline::transport::engineio
