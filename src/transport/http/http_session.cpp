#include "transport/http/http_session.hpp"

#include <array>
#include <cstdint>
#include <exception>
#include <optional>

#include "transport/asio/run_on.hpp"
#include "transport/http/problem.hpp"
#include "transport/http/query.hpp"
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

      bhttp::request_parser<bhttp::string_body> parser;
      parser.body_limit(context_.options.max_body_bytes);
      error_code ec;
      stream_.expires_after(context_.options.header_timeout);
      co_await bhttp::async_read_header(stream_, buffer_, parser, net::redirect_error(net::use_awaitable, ec));
      auto started = Clock::now();
      state_ = State::busy;
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
  if (state_ != State::taken) co_await close(drain);
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
    problem = problem_response(413, "payload_too_large", status_title(413),
                               "request body exceeds " + std::to_string(context_.options.max_body_bytes) + " bytes");
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
  // Without a limiter there is nothing to block on, so a long-poll need not hop threads.
  std::optional<Response> early;
  if (context_.pipeline.screening_blocks()) {
    auto screen = [this, &request] { return context_.pipeline.screen(request); };
    early = co_await run_on(context_.workers, screen);
  } else {
    early = context_.pipeline.screen(request);
  }
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

// Decorates, writes and logs one response.
net::awaitable<error_code> HttpSession::write(const Request& request, Response response, unsigned version,
                                              bool keep_alive, Clock::time_point started) {
  context_.pipeline.decorate(request, response);
  auto message = to_beast_response(std::move(response), version, keep_alive, request.method == "HEAD");
  error_code ec;
  stream_.expires_after(context_.options.request_timeout);
  co_await bhttp::async_write(stream_, message, net::redirect_error(net::use_awaitable, ec));
  log_access(request, static_cast<int>(message.result_int()), started);
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
