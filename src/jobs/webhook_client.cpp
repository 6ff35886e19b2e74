#include "jobs/webhook_client.hpp"

// Boost 1.74's Asio needs <utility> first (as transport/asio/asio.hpp explains).
#include <utility>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

namespace talkline::jobs {

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

// The receiver's answer is not used; a little of it is read so the exchange ends cleanly.
constexpr std::uint64_t kMaxAnswerBytes = 64 * 1024;
// How often a request in progress looks at cancel() and the deadline.
constexpr std::chrono::milliseconds kSlice{50};

}  // namespace

// Asynchronous operations on a private io_context, run on this thread until they finish
// or the deadline passes: Beast's timeouts only apply to asynchronous operations.
WebhookResponse HttpWebhookClient::post(std::string_view body, std::string_view event_id) {
  WebhookResponse response;
  if (cancelled_) {
    response.error = "cancelled";
    return response;
  }
  net::io_context io;
  tcp::resolver resolver(io);
  beast::tcp_stream stream(io);
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(kMaxAnswerBytes);

  http::request<http::string_body> request{http::verb::post, target_.target, 11};
  request.set(http::field::host, target_.host_header);
  request.set(http::field::user_agent, "TalkLine-Webhook/1");
  request.set(http::field::content_type, "application/json");
  request.set(http::field::connection, "close");
  request.set("X-TalkLine-Event-Id", std::string(event_id));
  request.body() = std::string(body);
  request.prepare_payload();

  const auto deadline = Clock::now() + timeout_;
  bool finished = false;
  auto fail = [&](const char* step, const beast::error_code& ec) {
    response.error = std::string(step) + ": " + ec.message();
    finished = true;
  };
  auto on_read = [&](const beast::error_code& ec, std::size_t) {
    if (ec) return fail("read", ec);
    response.status = static_cast<int>(parser.get().result_int());
    finished = true;
  };
  auto on_write = [&](const beast::error_code& ec, std::size_t) {
    if (ec) return fail("write", ec);
    http::async_read(stream, buffer, parser, on_read);
  };
  auto on_connect = [&](const beast::error_code& ec, const tcp::endpoint&) {
    if (ec) return fail("connect", ec);
    http::async_write(stream, request, on_write);
  };
  auto on_resolve = [&](const beast::error_code& ec, const tcp::resolver::results_type& endpoints) {
    if (ec) return fail("resolve", ec);
    stream.expires_at(deadline);
    stream.async_connect(endpoints, on_connect);
  };
  resolver.async_resolve(target_.host, target_.port, on_resolve);

  bool aborted = false;
  while (!finished && !io.stopped()) {
    io.run_for(kSlice);
    if (finished || aborted) continue;
    if (cancelled_ || Clock::now() >= deadline) {
      // Ends whatever is in progress; its handler then runs with operation_aborted.
      aborted = true;
      resolver.cancel();
      beast::error_code ignored;
      stream.socket().close(ignored);
    }
  }
  if (aborted && response.status == 0) response.error = cancelled_ ? "cancelled" : "timed out";
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  return response;
}

}  // namespace talkline::jobs
