#pragma once

#include <string>

#include "transport/asio/asio.hpp"
#include "util/json.hpp"

namespace talkline::bench {

struct ApiReply {
  unsigned status = 0;
  util::Json body;  ///< null when the body is not JSON
};

/// A small HTTP/1.1 JSON client for the bench's setup calls, over one kept-alive
/// connection (reopened when the server has closed it). Not for concurrent use:
/// one request at a time.
class ApiClient {
 public:
  ApiClient(boost::asio::any_io_executor executor, boost::asio::ip::tcp::endpoint server, std::string host_header,
            std::string source_address);

  /// POSTs `body` to `path`, with `Authorization: Bearer <bearer>` when one is given.
  /// Throws boost::system::system_error when the server cannot be reached twice in a row.
  boost::asio::awaitable<ApiReply> post(std::string path, util::Json body, std::string bearer = {});
  /// GETs `path`, like post().
  boost::asio::awaitable<ApiReply> get(std::string path, std::string bearer = {});

  boost::asio::any_io_executor executor() { return stream_.get_executor(); }

 private:
  boost::asio::awaitable<void> ensure_connected();
  boost::asio::awaitable<ApiReply> exchange(boost::beast::http::request<boost::beast::http::string_body> request,
                                            std::string bearer);

  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
  boost::asio::ip::tcp::endpoint server_;
  std::string host_header_;
  std::string source_address_;
};

/// Opens `socket` and binds it to `source_address` unless that is empty.
void open_and_bind(boost::asio::ip::tcp::socket& socket, const std::string& source_address);

/// Resolves host:port once, synchronously.
boost::asio::ip::tcp::endpoint resolve_endpoint(const std::string& host, std::uint16_t port);

}  // namespace talkline::bench
