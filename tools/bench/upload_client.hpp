#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "transport/asio/asio.hpp"

namespace talkline::bench {

/// The parts of an answer to `POST /api/v1/uploads` the bench checks.
struct UploadReply {
  bool answered = false;  ///< false: the connection failed or timed out first
  unsigned status = 0;
  std::uint64_t size = 0;  ///< the body's `size`, 0 when absent
  std::string sha256;      ///< the body's `sha256`, empty when absent
  std::string error;       ///< why there is no answer
};

/// One kept-alive HTTP/1.1 connection that uploads files (reopened when the server closed
/// it). The body is written straight from the caller's bytes, which it does not copy: every
/// uploader can share one buffer. One upload at a time; every call runs on the strand the
/// client was made with.
class UploadClient {
 public:
  UploadClient(boost::asio::any_io_executor executor, boost::asio::ip::tcp::endpoint server, std::string host_header,
               std::string source_address);

  /// POSTs `file` to /api/v1/uploads?name=`name` as `content_type`. `file` must outlive
  /// the call. Any transport error or a timeout of `timeout` per read or write closes the
  /// connection and comes back as an unanswered reply.
  boost::asio::awaitable<UploadReply> upload(std::string_view file, std::string_view content_type,
                                             std::string_view name, const std::string& bearer,
                                             std::chrono::seconds timeout);

  boost::asio::any_io_executor executor() { return stream_.get_executor(); }

 private:
  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
  boost::asio::ip::tcp::endpoint server_;
  std::string host_header_;
  std::string source_address_;
};

}  // namespace talkline::bench
