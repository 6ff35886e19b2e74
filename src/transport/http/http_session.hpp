#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "transport/asio/asio.hpp"
#include "transport/http/beast_message.hpp"
#include "transport/http/server_context.hpp"
#include "transport/http/stream_handler.hpp"
#include "transport/http/streamed_route.hpp"

namespace talkline::transport::http {

/// One HTTP/1.1 connection: reads requests in a loop (keep-alive), hands each to the
/// pipeline on the worker pool, to a stream handler or to a streamed route, and writes
/// the answers (streamed bodies from a producer on the worker pool).
/// Everything it does runs on the event loop its socket was accepted onto.
class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  /// `socket` belongs to one event loop; the session's coroutine runs there.
  HttpSession(boost::asio::ip::tcp::socket socket, ServerContext& context);

  /// The connection's whole life. Spawn it on executor() from something that owns a
  /// shared_ptr to the session until it completes; it leaves the registry when done.
  boost::asio::awaitable<void> run();

  boost::asio::any_io_executor executor() const { return executor_; }

  /// Graceful shutdown: a connection waiting for a request is closed now; one in the
  /// middle of a request finishes it and answers with `Connection: close`.
  /// Thread-safe.
  void request_shutdown();

 private:
  enum class State { reading, busy, taken };
  using Clock = std::chrono::steady_clock;

  boost::asio::awaitable<bool> wait_for_next_request();
  boost::asio::awaitable<bool> answer_read_error(boost::system::error_code ec, BeastRequest& partial,
                                                 Clock::time_point started);
  boost::asio::awaitable<bool> serve(BeastRequest& raw, Clock::time_point started);
  boost::asio::awaitable<bool> serve_stream(StreamHandler& handler, BeastRequest& raw, Request& request,
                                            Clock::time_point started);
  using HeaderParser = boost::beast::http::request_parser<boost::beast::http::string_body>;
  const StreamedRoute* find_streamed_route(const BeastRequest& raw, Request& probe) const;
  boost::asio::awaitable<bool> serve_streamed(const StreamedRoute& route, HeaderParser& parser, Request& probe,
                                              Clock::time_point started);
  boost::asio::awaitable<std::optional<Response>> screen(Request& request);
  boost::asio::awaitable<boost::system::error_code> write(const Request& request, Response response, unsigned version,
                                                          bool keep_alive, Clock::time_point started);
  boost::asio::awaitable<boost::system::error_code> write_streamed(Response response, unsigned version, bool keep_alive,
                                                                   const Request& request);
  boost::asio::awaitable<void> close(bool drain);
  void log_access(const Request& request, int status, Clock::time_point started) const;
  bool still_keep_alive(bool requested) const { return requested && !context_.stopping; }

  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
  boost::asio::any_io_executor executor_;  // kept apart: a stream handler may move stream_ away
  ServerContext& context_;
  std::string remote_address_;
  State state_ = State::reading;
  bool drain_on_close_ = false;  // a request body we did not read may still be arriving
};

}  // namespace talkline::transport::http
