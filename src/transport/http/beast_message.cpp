#include "transport/http/beast_message.hpp"

#include "transport/http/query.hpp"
#include "transport/http/request_id.hpp"

namespace talkline::transport::http {

namespace beast_http = boost::beast::http;

namespace {

bool safe_header_text(std::string_view text) {
  return text.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

// Header lines with CR, LF or NUL are dropped; the server owns framing and connection
// management, whatever a handler set.
template <typename Message>
void copy_headers(const Response& response, Message& out, bool keep_alive) {
  for (const auto& [name, value] : response.headers.all()) {
    if (name.empty() || !safe_header_text(name) || !safe_header_text(value)) continue;
    out.insert(name, value);
  }
  out.erase(beast_http::field::content_length);
  out.erase(beast_http::field::transfer_encoding);
  out.erase(beast_http::field::connection);
  out.keep_alive(keep_alive);
}

}  // namespace

Request to_request(BeastRequest& raw, std::string_view peer_address, const TrustedProxies& proxies) {
  Request request;
  request.method = std::string(raw.method_string());
  request.target = std::string(raw.target());
  for (const auto& field : raw) request.headers.add(std::string(field.name_string()), std::string(field.value()));
  request.body = std::move(raw.body());
  raw.body().clear();
  // Set here, once, so that every user of remote_address (rate limits, connection caps,
  // logs) sees the client rather than the balancer in front of us.
  request.remote_address = proxies.client_address(peer_address, request.headers);

  auto incoming_id = request.headers.get("X-Request-Id");
  request.request_id =
      incoming_id && is_valid_request_id(*incoming_id) ? std::string(*incoming_id) : generate_request_id();
  return request;
}

bool decode_target(Request& request) {
  auto parts = split_target(request.target);
  if (parts.path.empty() || parts.path.front() != '/') return false;
  auto path = decode_path(parts.path);
  auto query = parse_query(parts.query);
  if (!path || !query) return false;
  request.path = std::move(*path);
  request.query = std::move(*query);
  return true;
}

BeastResponse to_beast_response(Response response, unsigned version, bool keep_alive, bool head) {
  int status = response.status;
  if (status < 100 || status > 599) {
    status = 500;
    response.body.clear();
  }
  BeastResponse out{static_cast<beast_http::status>(status), version};
  copy_headers(response, out, keep_alive);
  if (status < 200 || status == 204 || status == 304) response.body.clear();
  if (head) {
    auto length = response.stream ? response.stream->content_length : response.body.size();
    if (status >= 200 && status != 204 && status != 304) out.content_length(length);
    return out;
  }
  out.body() = std::move(response.body);
  out.prepare_payload();
  return out;
}

BeastStreamedResponse to_beast_streamed_response(const Response& response, unsigned version, bool keep_alive) {
  BeastStreamedResponse out{static_cast<beast_http::status>(response.status), version};
  copy_headers(response, out, keep_alive);
  out.content_length(response.stream ? response.stream->content_length : 0);
  out.body().data = nullptr;
  out.body().size = 0;
  out.body().more = true;
  return out;
}

}  // namespace talkline::transport::http
