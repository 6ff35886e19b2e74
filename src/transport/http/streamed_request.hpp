#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

#include "transport/asio/asio.hpp"
#include "transport/asio/run_on.hpp"
#include "transport/http/message.hpp"
#include "transport/http/streamed_route.hpp"

namespace talkline::transport::http {

/// How a read of a streamed body ended.
enum class BodyStatus {
  chunk,        // `data` holds the next bytes
  end,          // the whole body has been read
  too_large,    // the body went past max_body_bytes: the session answers 413
  bad_request,  // the body is malformed (bad chunked encoding): the session answers 400
  failed,       // the client went away or stopped sending: the session closes
};

struct BodyRead {
  BodyStatus status = BodyStatus::end;
  /// The chunk (at most chunk_bytes), valid until the next read_body.
  std::string_view data;
};

/// What a streamed route's handler gets (streamed_route.hpp): the request head and a
/// way to read the body a chunk at a time. Made by the session; every reference it
/// holds stays valid until the handler completes.
///
/// Threads: everything here is called on the connection's event loop; only the work
/// given to run_blocking runs elsewhere.
class StreamedRequest {
 public:
  using Parser = boost::beast::http::request_parser<boost::beast::http::buffer_body>;

  /// `parser` has read the header (with a body limit set); `request` is the head
  /// (its body empty, path params filled). With `send_continue`, read_body answers
  /// `Expect: 100-continue` first.
  StreamedRequest(boost::beast::tcp_stream& stream, boost::beast::flat_buffer& buffer, Parser& parser, Request& request,
                  const StreamedRouteOptions& options, std::chrono::seconds read_timeout,
                  boost::asio::thread_pool::executor_type workers, bool send_continue);

  /// Method, target, decoded path and query, headers, path params, remote address,
  /// request id. The body is empty: read it with read_body.
  Request& request() { return request_; }
  const StreamedRouteOptions& options() const { return options_; }
  /// The declared Content-Length (already checked against the limit); nullopt when
  /// the body is chunked or absent.
  std::optional<std::uint64_t> content_length() const { return content_length_; }

  /// The next chunk of the body, read from the connection now (nothing is read ahead).
  /// After `end` or a failure, every further call returns the same status again.
  boost::asio::awaitable<BodyRead> read_body();

  /// Bytes of body handed over so far.
  std::uint64_t body_bytes_read() const { return bytes_read_; }
  /// Whether the whole body has been read (a request without a body has been).
  bool body_complete() const { return status_ == BodyStatus::end; }
  /// The status of the last read: chunk while more may follow.
  BodyStatus body_status() const { return status_; }

  /// Runs `work` on the HTTP worker pool and resumes on the connection's loop with
  /// its result. `work` must outlive the call: bind it to a named local (see run_on).
  template <typename F>
  boost::asio::awaitable<std::invoke_result_t<F&>> run_blocking(F& work) {
    co_return co_await run_on(workers_, work);
  }

 private:
  boost::beast::tcp_stream& stream_;
  boost::beast::flat_buffer& buffer_;
  Parser& parser_;
  Request& request_;
  const StreamedRouteOptions& options_;
  std::chrono::seconds read_timeout_;
  boost::asio::thread_pool::executor_type workers_;
  bool send_continue_;
  std::optional<std::uint64_t> content_length_;
  std::string chunk_;
  std::uint64_t bytes_read_ = 0;
  BodyStatus status_ = BodyStatus::chunk;
};

}  // namespace talkline::transport::http
