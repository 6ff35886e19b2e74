#include "transport/http/streamed_request.hpp"

namespace talkline::transport::http {

namespace net = boost::asio;
namespace bhttp = boost::beast::http;
using boost::system::error_code;

namespace {

// A connection that ends or stalls mid-body is a failure to read, not a bad request.
BodyStatus status_of(const error_code& ec) {
  if (ec == bhttp::error::body_limit) return BodyStatus::too_large;
  if (ec == bhttp::error::partial_message || ec == bhttp::error::end_of_stream) return BodyStatus::failed;
  if (ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category()) return BodyStatus::bad_request;
  return BodyStatus::failed;
}

}  // namespace

StreamedRequest::StreamedRequest(boost::beast::tcp_stream& stream, boost::beast::flat_buffer& buffer, Parser& parser,
                                 Request& request, const StreamedRouteOptions& options,
                                 std::chrono::seconds read_timeout, net::thread_pool::executor_type workers,
                                 bool send_continue)
    : stream_(stream),
      buffer_(buffer),
      parser_(parser),
      request_(request),
      options_(options),
      read_timeout_(read_timeout),
      workers_(std::move(workers)),
      send_continue_(send_continue),
      chunk_(options.chunk_bytes > 0 ? options.chunk_bytes : 1, '\0') {
  if (!parser_.chunked()) {
    if (auto length = parser_.content_length()) content_length_ = *length;
  }
  if (parser_.is_done()) status_ = BodyStatus::end;
}

net::awaitable<BodyRead> StreamedRequest::read_body() {
  if (status_ != BodyStatus::chunk) co_return BodyRead{status_, {}};
  if (parser_.is_done()) {
    status_ = BodyStatus::end;
    co_return BodyRead{status_, {}};
  }

  error_code ec;
  // The client waits for this before sending the body.
  if (send_continue_) {
    send_continue_ = false;
    bhttp::response<bhttp::empty_body> proceed{bhttp::status::continue_, parser_.get().version()};
    stream_.expires_after(read_timeout_);
    co_await bhttp::async_write(stream_, proceed, net::redirect_error(net::use_awaitable, ec));
    if (ec) {
      status_ = BodyStatus::failed;
      co_return BodyRead{status_, {}};
    }
  }

  // A read may parse only chunk framing and hand over no body bytes: read again.
  for (;;) {
    auto& body = parser_.get().body();
    body.data = chunk_.data();
    body.size = chunk_.size();
    stream_.expires_after(read_timeout_);
    co_await bhttp::async_read_some(stream_, buffer_, parser_, net::redirect_error(net::use_awaitable, ec));
    if (ec == bhttp::error::need_buffer) ec = {};  // the chunk buffer is full
    if (ec) {
      status_ = status_of(ec);
      co_return BodyRead{status_, {}};
    }
    std::size_t filled = chunk_.size() - parser_.get().body().size;
    if (filled > 0) {
      bytes_read_ += filled;
      co_return BodyRead{BodyStatus::chunk, std::string_view(chunk_.data(), filled)};
    }
    if (parser_.is_done()) {
      status_ = BodyStatus::end;
      co_return BodyRead{status_, {}};
    }
  }
}

}  // namespace talkline::transport::http
