#include "transport/http/http_session.hpp"

#include <array>
#include <cstdint>
#include <exception>
#include <limits>
#include <optional>

#include "transport/asio/run_on.hpp"
#include "transport/http/body_channel.hpp"
#include "transport/http/problem.hpp"
#include "transport/http/query.hpp"
#include "transport/http/streamed_request.hpp"
#include "util/log.hpp"

namespace talkline::transport::http {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using boost::system::error_code;

namespace {

constexpr std::size_t kReadChunk = std::size_t{8} * 1024;
constexpr auto kDrainTimeout = std::chrono::seconds(2);
constexpr std::size_t kMaxDrainBytes = std::size_t{4} << 20;
// Bytes of a streamed response body that may wait for the socket before its producer
// blocks (plus the one chunk it is handing over).
constexpr std::size_t kStreamedQueueBytes = std::size_t{256} << 10;

// Closes and resets that are part of normal life (a client leaving, a timeout, our
// own shutdown) end the connection without a log line above debug.
bool is_ordinary_end(const error_code& ec) {
  return ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message || ec == net::error::eof ||
         ec == net::error::operation_aborted || ec == net::error::connection_reset ||
         ec == net::error::connection_aborted || ec == net::error::broken_pipe || ec == net::error::bad_descriptor ||
         ec == net::error::not_connected || ec == beast::error::timeout;
}

// Beast's HTTP error category covers the ways bytes fail to be a request.
bool is_parse_error(const error_code& ec) {
  return ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category();
}

bool expects_continue(const BeastRequest& header) {
  auto it = header.find(bhttp::field::expect);
  return header.version() >= 11 && it != header.end() && beast::iequals(it->value(), "100-continue");
}

Response too_large_problem(std::uint64_t limit) {
  return problem_response(413, "payload_too_large", status_title(413),
                          "request body exceeds " + std::to_string(limit) + " bytes");
}

// Whether a response of this status carries a body to stream.
bool streams_body(const Response& response, bool head) {
  int status = response.status;
  return response.stream && !head && status >= 200 && status <= 599 && status != 204 && status != 304;
}

std::string remote_of(const net::ip::tcp::socket& socket) {
  error_code ec;
  auto endpoint = socket.remote_endpoint(ec);
  if (ec) return "unknown";
  auto address = endpoint.address();
  // A dual-stack listener reports IPv4 clients as ::ffff:a.b.c.d; rate-limit keys
  // and logs should name them the same way an IPv4 listener does.
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    return net::ip::make_address_v4(net::ip::v4_mapped, address.to_v6()).to_string();
  }
  return address.to_string();
}

}  // namespace

HttpSession::HttpSession(net::ip::tcp::socket socket, ServerContext& context)
    : stream_(std::move(socket)),
      executor_(stream_.get_executor()),
      context_(context),
      remote_address_(remote_of(stream_.socket())) {}

net::awaitable<void> HttpSession::run() {
  struct LeaveRegistry {
    SessionRegistry& registry;
    const HttpSession* session;
    ~LeaveRegistry() { registry.remove(session); }
  } leave{context_.sessions, this};

  bool drain = false;
  try {
    bool first = true;
    while (!context_.stopping) {
      state_ = State::reading;
      // The first request gets header_timeout from the accept; later ones may idle first.
      if (!first && !co_await wait_for_next_request()) break;
      first = false;

      HeaderParser parser;
      // Which limit applies depends on the route, known once the header is in. (Not
      // body_limit(none): Beast 1.74 then refuses every body.)
      parser.body_limit(std::numeric_limits<std::uint64_t>::max());
      error_code ec;
      stream_.expires_after(context_.options.header_timeout);
      co_await bhttp::async_read_header(stream_, buffer_, parser, net::redirect_error(net::use_awaitable, ec));
      auto started = Clock::now();
      state_ = State::busy;
      if (!ec) {
        Request probe;
        if (const auto* route = find_streamed_route(parser.get(), probe)) {
          if (!co_await serve_streamed(*route, parser, probe, started)) break;
          continue;
        }
        // A declared length over the limit is refused before any of the body is read
        // (and instead of `100 Continue`); a chunked body meets the limit as it comes.
        auto length = parser.content_length();
        if (!parser.chunked() && length && *length > context_.options.max_body_bytes) {
          ec = bhttp::error::body_limit;
        } else {
          parser.body_limit(context_.options.max_body_bytes);
        }
      }
      if (!ec && !parser.is_done()) {
        if (expects_continue(parser.get())) {
          bhttp::response<bhttp::empty_body> proceed{bhttp::status::continue_, parser.get().version()};
          stream_.expires_after(context_.options.request_timeout);
          co_await bhttp::async_write(stream_, proceed, net::redirect_error(net::use_awaitable, ec));
        }
        if (!ec) {
          stream_.expires_after(context_.options.request_timeout);
          co_await bhttp::async_read(stream_, buffer_, parser, net::redirect_error(net::use_awaitable, ec));
        }
      }
      if (ec) {
        drain = co_await answer_read_error(ec, parser.get(), started);
        break;
      }
      if (!co_await serve(parser.get(), started)) break;
    }
  } catch (const std::exception& e) {
    util::log::error("http.session_failed",
                     {{"error", std::string_view(e.what())}, {"remote", std::string_view(remote_address_)}});
  }
  if (state_ != State::taken) co_await close(drain || drain_on_close_);
}

void HttpSession::request_shutdown() {
  net::post(executor_, [self = shared_from_this()] {
    if (self->state_ == State::reading) self->stream_.close();
  });
}

// Waits for the first byte of the next request on a kept-alive connection, within
// idle_timeout. False when the connection ended or idled out.
net::awaitable<bool> HttpSession::wait_for_next_request() {
  if (buffer_.size() > 0) co_return true;  // a pipelined request is already here
  error_code ec;
  stream_.expires_after(context_.options.idle_timeout);
  std::size_t n =
      co_await stream_.async_read_some(buffer_.prepare(kReadChunk), net::redirect_error(net::use_awaitable, ec));
  if (ec) co_return false;
  buffer_.commit(n);
  co_return true;
}

// Answers a request that could not be read: 413 when the body is over the limit,
// 400 when the bytes are not HTTP, nothing when the connection simply ended.
// Returns whether the close should drain what the client is still sending.
net::awaitable<bool> HttpSession::answer_read_error(error_code ec, BeastRequest& partial, Clock::time_point started) {
  Response problem;
  if (ec == bhttp::error::body_limit) {
    problem = too_large_problem(context_.options.max_body_bytes);
  } else if (is_parse_error(ec)) {
    problem = problem_response(400, "bad_request", status_title(400), "malformed HTTP request: " + ec.message());
  } else {
    if (!is_ordinary_end(ec)) {
      util::log::debug("http.read_failed",
                       {{"error", std::string_view(ec.message())}, {"remote", std::string_view(remote_address_)}});
    }
    co_return false;
  }

  // The header may be incomplete; take what there is for the log and CORS.
  Request request = to_request(partial, remote_address_, context_.options.trusted_proxies);
  request.path = std::string(split_target(request.target).path);
  co_await write(request, std::move(problem), 11, false, started);
  co_return true;
}

// Answers one complete request. Returns whether the connection stays open for another.
net::awaitable<bool> HttpSession::serve(BeastRequest& raw, Clock::time_point started) {
  Request request = to_request(raw, remote_address_, context_.options.trusted_proxies);
  unsigned version = raw.version();
  if (!decode_target(request)) {
    request.path = std::string(split_target(request.target).path);
    co_await write(request, problem_response(400, "bad_request", status_title(400), "request target is malformed"),
                   version, false, started);
    co_return false;
  }

  if (auto* handler = context_.streams.find(request.path)) {
    co_return co_await serve_stream(*handler, raw, request, started);
  }

  auto handle = [this, &request] { return context_.pipeline.handle(request); };
  auto response = co_await run_on(context_.workers, handle);
  bool keep_alive = still_keep_alive(raw.keep_alive());
  auto ec = co_await write(request, std::move(response), version, keep_alive, started);
  co_return !ec && keep_alive;
}

net::awaitable<bool> HttpSession::serve_stream(StreamHandler& handler, BeastRequest& raw, Request& request,
                                               Clock::time_point started) {
  unsigned version = raw.version();
  auto early = co_await screen(request);
  if (early) {
    bool keep_alive = still_keep_alive(raw.keep_alive());
    auto ec = co_await write(request, std::move(*early), version, keep_alive, started);
    co_return !ec && keep_alive;
  }

  bool wrote = false;
  StreamContext context(stream_, buffer_, raw, request,
                        [this, &request, &wrote, version, started](Response response, bool keep_alive) {
                          wrote = true;
                          return write(request, std::move(response), version, still_keep_alive(keep_alive), started);
                        });
  auto outcome = StreamOutcome::close;
  try {
    outcome = co_await handler.handle(context);
  } catch (const std::exception& e) {
    util::log::error("http.stream_handler_failed", {{"error", std::string_view(e.what())},
                                                    {"path", std::string_view(request.path)},
                                                    {"request_id", std::string_view(request.request_id)}});
  }
  if (context.taken()) {
    state_ = State::taken;
    if (!wrote) log_access(request, 101, started);
    co_return false;
  }
  if (!wrote) log_access(request, 0, started);
  co_return outcome == StreamOutcome::keep_alive && !context_.stopping && stream_.socket().is_open();
}

// The per-IP limit and CORS preflight. Without a limiter there is nothing to block
// on, so a long-poll need not hop threads.
net::awaitable<std::optional<Response>> HttpSession::screen(Request& request) {
  if (context_.pipeline.screening_blocks()) {
    auto screen = [this, &request] { return context_.pipeline.screen(request); };
    co_return co_await run_on(context_.workers, screen);
  }
  co_return context_.pipeline.screen(request);
}

// The streamed route for a request whose header has just been read, with `probe`
// holding its method, decoded path and path params; null for every other request
// (also when a stream handler's prefix covers the path, or the target is malformed,
// which serve() then answers).
const StreamedRoute* HttpSession::find_streamed_route(const BeastRequest& raw, Request& probe) const {
  if (!context_.pipeline.has_streamed_routes()) return nullptr;
  auto target = raw.target();
  auto parts = split_target(std::string_view(target.data(), target.size()));
  if (parts.path.empty() || parts.path.front() != '/') return nullptr;
  auto path = decode_path(parts.path);
  if (!path || context_.streams.find(*path) != nullptr) return nullptr;
  probe.method = std::string(raw.method_string());
  probe.path = std::move(*path);
  return context_.pipeline.streamed_route(probe);
}

// Serves a streamed route (streamed_route.hpp says what the handler may expect). The
// body is read only as the handler asks for it, so every early answer that leaves some
// of it unread closes the connection, draining what the client still sends.
// Returns whether the connection stays open for another request.
net::awaitable<bool> HttpSession::serve_streamed(const StreamedRoute& route, HeaderParser& parser, Request& probe,
                                                 Clock::time_point started) {
  auto& raw = parser.get();
  unsigned version = raw.version();
  bool wants_keep_alive = raw.keep_alive();
  bool has_body = !parser.is_done();
  bool send_continue = has_body && expects_continue(raw);
  Request request = to_request(raw, remote_address_, context_.options.trusted_proxies);
  decode_target(request);  // it decoded in find_streamed_route
  request.path_params = std::move(probe.path_params);

  auto early = co_await screen(request);
  auto length = parser.content_length();
  if (!early && !parser.chunked() && length && *length > route.options.max_body_bytes) {
    early = too_large_problem(route.options.max_body_bytes);
  }
  if (early) {
    bool keep_alive = !has_body && still_keep_alive(wants_keep_alive);
    drain_on_close_ = has_body;
    auto ec = co_await write(request, std::move(*early), version, keep_alive, started);
    co_return !ec && keep_alive;
  }

  StreamedRequest::Parser body_parser(std::move(parser));
  body_parser.body_limit(route.options.max_body_bytes);
  StreamedRequest streamed(stream_, buffer_, body_parser, request, route.options, context_.options.request_timeout,
                           context_.workers, send_continue);
  Response response;
  try {
    response = co_await route.handler(streamed);
  } catch (const std::exception& e) {
    util::log::error("http.handler_exception", {{"error", std::string_view(e.what())},
                                                {"method", std::string_view(request.method)},
                                                {"path", std::string_view(request.path)},
                                                {"request_id", std::string_view(request.request_id)}});
    response = problem_response(500, "internal", status_title(500), "the server failed to handle the request");
  }

  bool keep_alive = false;
  switch (streamed.body_status()) {
    case BodyStatus::end: keep_alive = still_keep_alive(wants_keep_alive); break;
    case BodyStatus::chunk: drain_on_close_ = true; break;  // the handler answered before the end
    case BodyStatus::too_large:
      response = too_large_problem(route.options.max_body_bytes);
      drain_on_close_ = true;
      break;
    case BodyStatus::bad_request:
      response = problem_response(400, "bad_request", status_title(400), "malformed request body");
      drain_on_close_ = true;
      break;
    case BodyStatus::failed:  // nobody left to answer
      log_access(request, 0, started);
      co_return false;
  }
  auto ec = co_await write(request, std::move(response), version, keep_alive, started);
  co_return !ec && keep_alive;
}

// Decorates, writes and logs one response.
net::awaitable<error_code> HttpSession::write(const Request& request, Response response, unsigned version,
                                              bool keep_alive, Clock::time_point started) {
  context_.pipeline.decorate(request, response);
  bool head = request.method == "HEAD";
  error_code ec;
  int status = response.status;
  if (streams_body(response, head)) {
    ec = co_await write_streamed(std::move(response), version, keep_alive, request);
  } else {
    auto message = to_beast_response(std::move(response), version, keep_alive, head);
    status = static_cast<int>(message.result_int());
    stream_.expires_after(context_.options.request_timeout);
    co_await bhttp::async_write(stream_, message, net::redirect_error(net::use_awaitable, ec));
  }
  log_access(request, status, started);
  co_return ec;
}

// Writes a response whose body comes from a producer on the worker pool (message.hpp),
// through a BodyChannel that holds at most kStreamedQueueBytes: the header first, then
// each chunk as it arrives. A producer that fails, or hands over more or fewer bytes
// than the Content-Length said, leaves a response that cannot be finished: the result
// is then an error, and the caller closes the connection. So does a failed write,
// after the producer has been told to stop and has returned.
net::awaitable<error_code> HttpSession::write_streamed(Response response, unsigned version, bool keep_alive,
                                                       const Request& request) {
  auto message = to_beast_streamed_response(response, version, keep_alive);
  auto body = std::move(*response.stream);
  bhttp::response_serializer<bhttp::buffer_body> serializer(message);
  const auto timeout = context_.options.request_timeout;
  error_code ec;
  stream_.expires_after(timeout);
  co_await bhttp::async_write_header(stream_, serializer, net::redirect_error(net::use_awaitable, ec));
  if (ec) co_return ec;

  auto channel = std::make_shared<BodyChannel>(executor_, kStreamedQueueBytes,
                                               std::chrono::duration_cast<std::chrono::milliseconds>(timeout));
  net::post(context_.workers, [channel, produce = std::move(body.produce), expected = body.content_length,
                               request_id = request.request_id] {
    std::uint64_t sent = 0;
    bool ok = false;
    try {
      ok = produce([&](std::string_view chunk) {
        if (chunk.size() > expected - sent) return false;  // more than the Content-Length said
        sent += chunk.size();
        return channel->push(chunk);
      });
    } catch (const std::exception& e) {
      util::log::error("http.body_producer_exception",
                       {{"error", std::string_view(e.what())}, {"request_id", std::string_view(request_id)}});
    }
    channel->finish(ok && sent == expected);
  });

  net::steady_timer wake(executor_);
  bool produced = false;
  for (;;) {
    auto batch = co_await channel->next(wake);
    std::size_t taken = 0;
    for (auto& chunk : batch.chunks) {
      taken += chunk.size();
      if (ec) continue;
      message.body().data = chunk.data();
      message.body().size = chunk.size();
      message.body().more = true;
      stream_.expires_after(timeout);
      co_await bhttp::async_write(stream_, serializer, net::redirect_error(net::use_awaitable, ec));
      if (ec == bhttp::error::need_buffer) ec = {};
    }
    channel->release(taken);
    if (batch.finished) {
      produced = batch.ok;
      break;
    }
    if (ec) channel->cancel();  // then wait for the producer to return
  }
  if (ec) co_return ec;
  if (!produced) {
    util::log::warn("http.streamed_body_failed",
                    {{"path", std::string_view(request.path)}, {"request_id", std::string_view(request.request_id)}});
    co_return net::error::operation_aborted;
  }

  message.body().data = nullptr;
  message.body().size = 0;
  message.body().more = false;
  stream_.expires_after(timeout);
  co_await bhttp::async_write(stream_, serializer, net::redirect_error(net::use_awaitable, ec));
  co_return ec;
}

// Half-closes so the client reads our last response to the end. With `drain`, the
// request body we refused is read and discarded first: closing a socket with unread
// input makes the kernel send a reset, which can destroy the response in flight.
net::awaitable<void> HttpSession::close(bool drain) {
  error_code ec;
  stream_.socket().shutdown(net::ip::tcp::socket::shutdown_send, ec);
  if (drain && !ec) {
    stream_.expires_after(kDrainTimeout);
    std::array<char, std::size_t{16} * 1024> scratch{};
    std::size_t total = 0;
    while (!ec && total < kMaxDrainBytes) {
      total += co_await stream_.async_read_some(net::buffer(scratch), net::redirect_error(net::use_awaitable, ec));
    }
  }
  stream_.close();
}

void HttpSession::log_access(const Request& request, int status, Clock::time_point started) const {
  double duration_ms = std::chrono::duration<double, std::milli>(Clock::now() - started).count();
  util::log::info("http.access", {{"method", std::string_view(request.method)},
                                  {"path", std::string_view(request.path)},
                                  {"status", std::int64_t{status}},
                                  {"duration_ms", duration_ms},
                                  {"request_id", std::string_view(request.request_id)},
                                  {"remote", std::string_view(request.remote_address)}});
}

}  // namespace talkline::transport::http
