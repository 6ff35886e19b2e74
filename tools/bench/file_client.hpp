#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "transport/asio/asio.hpp"

namespace talkline::bench {

/// The parts of an answer to `POST /api/v1/uploads` the bench checks.
struct UploadReply {
  bool answered = false;  ///< false: the connection failed or timed out first
  unsigned status = 0;
  std::uint64_t size = 0;  ///< the body's `size`, 0 when absent
  std::string sha256;      ///< the body's `sha256`, empty when absent
  std::string id;          ///< the body's `id`, empty when absent
  std::string error;       ///< why there is no answer
};

/// What a download came back with; the body itself is counted and dropped.
struct DownloadReply {
  bool answered = false;  ///< false: the connection failed or timed out first
  unsigned status = 0;
  std::uint64_t bytes = 0;  ///< body bytes read
  std::string etag;
  std::string error;
};

/// One kept-alive HTTP/1.1 connection that uploads and downloads files (reopened when the
/// server closed it). An upload's body is written straight from the caller's bytes, which
/// it does not copy: every uploader can share one buffer. A download is read through one
/// 64 KiB buffer of the client's and not kept. One transfer at a time; every call runs on
/// the strand the client was made with.
class FileClient {
 public:
  FileClient(boost::asio::any_io_executor executor, boost::asio::ip::tcp::endpoint server, std::string host_header,
             std::string source_address);

  /// POSTs `file` to /api/v1/uploads?name=`name` as `content_type`. `file` must outlive
  /// the call. A transport error or a timeout of `timeout` per read or write closes the
  /// connection; on a kept-alive connection the upload is then tried once more on a new
  /// one, else it comes back as an unanswered reply.
  boost::asio::awaitable<UploadReply> upload(std::string_view file, std::string content_type, std::string name,
                                             std::string bearer, std::chrono::seconds timeout);

  /// GETs `path` (an attachment's url) and reads its whole body. Errors as upload().
  boost::asio::awaitable<DownloadReply> download(const std::string& path, const std::string& bearer,
                                                 std::chrono::seconds timeout);

  boost::asio::any_io_executor executor() { return stream_.get_executor(); }

 private:
  boost::asio::awaitable<UploadReply> upload_once(std::string_view file, std::string content_type, std::string name,
                                                  std::string bearer, std::chrono::seconds timeout);
  boost::asio::awaitable<DownloadReply> download_once(const std::string& path, const std::string& bearer,
                                                      std::chrono::seconds timeout);
  /// Opens the connection unless it is open; false (and `ec` set) when it cannot.
  boost::asio::awaitable<bool> ensure_connected(std::chrono::seconds timeout, boost::system::error_code& ec);

  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
  boost::asio::ip::tcp::endpoint server_;
  std::string host_header_;
  std::string source_address_;
  std::vector<char> chunk_;  ///< where download bodies are read to
};

}  // namespace talkline::bench
