#include <memory>
#include <optional>
#include <string>

#include "api/v1/api_context.hpp"
#include "api/v1/request_helpers.hpp"
#include "transport/http/content_disposition.hpp"
#include "transport/http/content_sniffer.hpp"
#include "transport/http/streamed_request.hpp"
#include "transport/http/upload_header.hpp"
#include "wire/upload_json.hpp"

namespace talkline::api::v1 {

namespace {

using transport::http::BodyRead;
using transport::http::BodyStatus;
using transport::http::StreamedRequest;

Error unsupported(std::string message) { return Error{ErrorCode::unsupported_media, std::move(message), {}, 0}; }
Error too_large(std::uint64_t limit) {
  return Error{ErrorCode::payload_too_large, "an upload may hold at most " + std::to_string(limit) + " bytes", {}, 0};
}

// The name the client gave: `?name=` wins over a Content-Disposition header; none is fine.
std::string file_name_of(const Request& request) {
  if (auto name = request.query_param("name"); name && !name->empty()) {
    return transport::http::safe_file_name(*name);
  }
  if (auto header = request.header("Content-Disposition")) {
    if (auto name = transport::http::disposition_file_name(*header)) return transport::http::safe_file_name(*name);
  }
  return "";
}

// The type to store: the declared one once the first bytes back it up; what the bytes
// show when the client claimed nothing (no Content-Type, or application/octet-stream).
Result<std::string> stored_type(const Request& request, std::string_view head) {
  const std::string declared = transport::http::declared_media_type(request.header("Content-Type").value_or(""));
  const std::string_view sniffed = transport::http::sniff_media_type(head);
  if (declared.empty() || declared == "application/octet-stream") return std::string(sniffed);
  if (!transport::http::declared_matches_sniffed(declared, sniffed)) {
    return unsupported("the file's bytes do not match the declared type " + declared);
  }
  return declared;
}

// Runs on the connection's loop; every store and blob call goes to the worker pool. The
// first kSniffBytes are held back until the type is settled, so a refused upload stores
// nothing at all.
boost::asio::awaitable<Result<model::Upload>> receive(StreamedRequest& up, services::AuthService& auth,
                                                      services::UploadService& uploads, std::uint64_t max_bytes) {
  Request& request = up.request();
  auto authenticate_caller = [&] { return authenticate(auth, request); };
  auto caller = co_await up.run_blocking(authenticate_caller);
  if (!caller.ok()) co_return caller.take_error();
  auto admit = [&] { return uploads.admit(*caller, up.content_length()); };
  auto admitted = co_await up.run_blocking(admit);
  if (!admitted.ok()) co_return admitted.take_error();

  std::string head;
  BodyRead read;
  for (;;) {
    read = co_await up.read_body();
    if (read.status != BodyStatus::chunk) break;
    head.append(read.data);
    if (head.size() >= transport::http::kSniffBytes) break;
  }
  if (read.status == BodyStatus::too_large) co_return too_large(max_bytes);
  if (read.status == BodyStatus::bad_request) co_return Error::invalid("body", "the request body is malformed");
  if (read.status == BodyStatus::failed) co_return Error::invalid("body", "the upload was cut short");
  if (head.empty()) co_return Error::invalid("body", "the upload is empty");

  const auto sniff_head = std::string_view(head).substr(0, transport::http::kSniffBytes);
  auto type = stored_type(request, sniff_head);
  if (!type.ok()) co_return type.take_error();
  auto start = [&] { return uploads.start(*caller, std::move(*type), file_name_of(request)); };
  auto started = co_await up.run_blocking(start);
  if (!started.ok()) co_return started.take_error();
  std::unique_ptr<services::UploadWriter> writer = std::move(started).value();

  std::string_view pending = head;
  for (;;) {
    auto append = [&] { return writer->append(pending); };
    auto appended = co_await up.run_blocking(append);
    if (!appended.ok()) co_return appended.take_error();
    if (read.status == BodyStatus::end) break;
    read = co_await up.read_body();
    if (read.status == BodyStatus::end) break;
    if (read.status == BodyStatus::too_large) co_return too_large(max_bytes);
    if (read.status != BodyStatus::chunk) co_return Error::invalid("body", "the upload was cut short");
    pending = read.data;
  }
  auto finish = [&] { return writer->finish(); };
  co_return co_await up.run_blocking(finish);
}

}  // namespace

// The body is the file itself, not multipart/form-data (docs/decisions.md D23).
void register_upload_routes(transport::http::Router& router, const ApiContext& context) {
  auto* auth = context.auth;
  auto* uploads = context.uploads;
  const std::uint64_t max_bytes = context.upload_max_bytes;
  transport::http::StreamedRouteOptions options;
  options.max_body_bytes = max_bytes;
  router.add_streamed(
      "POST", "/api/v1/uploads",
      transport::http::make_streamed_route(
          options, [auth, uploads, max_bytes](StreamedRequest& up) -> boost::asio::awaitable<Response> {
            auto stored = co_await receive(up, *auth, *uploads, max_bytes);
            if (!stored.ok()) co_return error_from(stored.error());
            co_return json_response(201, wire::upload_json(*stored));
          }));
}

}  // namespace talkline::api::v1
