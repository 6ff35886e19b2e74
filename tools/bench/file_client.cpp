#include "file_client.hpp"

#include <array>
#include <limits>
#include <sstream>

#include "api_client.hpp"
#include "util/json.hpp"

namespace talkline::bench {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using net::ip::tcp;

namespace {
// The size of the server's own read chunks: the generator holds no more of a download.
constexpr std::size_t kDownloadChunkBytes = std::size_t{64} << 10;
// The fields of a 201's JSON body the bench checks; a body that is not JSON leaves them empty.
void read_upload_body(const std::string& text, UploadReply& reply) {
  const auto body = util::Json::parse(text, nullptr, false);
  if (!body.is_object()) return;
  if (const auto size = body.find("size"); size != body.end() && size->is_number_unsigned()) {
    reply.size = size->get<std::uint64_t>();
  }
  if (const auto sha = body.find("sha256"); sha != body.end() && sha->is_string()) {
    reply.sha256 = sha->get<std::string>();
  }
  if (const auto id = body.find("id"); id != body.end() && id->is_string()) reply.id = id->get<std::string>();
}

}  // namespace

FileClient::FileClient(net::any_io_executor executor, tcp::endpoint server, std::string host_header,
                       std::string source_address)
    : stream_(std::move(executor)),
      server_(server),
      host_header_(std::move(host_header)),
      source_address_(std::move(source_address)),
      chunk_(kDownloadChunkBytes) {}

net::awaitable<bool> FileClient::ensure_connected(std::chrono::seconds timeout, boost::system::error_code& ec) {
  if (stream_.socket().is_open()) co_return true;
  buffer_.clear();
  open_and_bind(stream_.socket(), source_address_);
  stream_.expires_after(timeout);
  co_await stream_.async_connect(server_, net::redirect_error(net::use_awaitable, ec));
  co_return !ec;
}

// GCC 12 inlines Asio 1.74's recycling allocator into this coroutine's ramp and then takes
// its frame's sized delete for a mismatch with the plain new it recycles; the pair is
// Asio's own and matches.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
net::awaitable<UploadReply> FileClient::upload_once(std::string_view file, std::string content_type, std::string name,
                                                    std::string bearer, std::chrono::seconds timeout) {
  UploadReply reply;
  boost::system::error_code ec;
  const auto fail = [&](const char* step) {
    reply.error = std::string(step) + ": " + ec.message();
    stream_.close();
    buffer_.clear();
    return reply;
  };
  const bool connected = co_await ensure_connected(timeout, ec);
  if (!connected) co_return fail("connect");

  // The header with the length, then the file straight from the shared bytes, in one
  // gathered write: Beast's serializer would want a body type that owns them.
  http::request<http::empty_body> request{http::verb::post, "/api/v1/uploads?name=" + name, 11};
  request.set(http::field::host, host_header_);
  request.set(http::field::authorization, "Bearer " + bearer);
  request.set(http::field::content_type, content_type);
  request.content_length(file.size());
  request.keep_alive(true);
  std::ostringstream header;
  header << request.base();
  const std::string header_text = header.str();
  const std::array<net::const_buffer, 2> buffers{net::buffer(header_text), net::buffer(file.data(), file.size())};
  stream_.expires_after(timeout);
  co_await net::async_write(stream_, buffers, net::redirect_error(net::use_awaitable, ec));
  if (ec) co_return fail("write");

  http::response<http::string_body> response;
  stream_.expires_after(timeout);
  co_await http::async_read(stream_, buffer_, response, net::redirect_error(net::use_awaitable, ec));
  if (ec) co_return fail("read answer");
  if (!response.keep_alive()) stream_.close();

  reply.answered = true;
  reply.status = response.result_int();
  read_upload_body(response.body(), reply);
  co_return reply;
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

net::awaitable<DownloadReply> FileClient::download_once(const std::string& path, const std::string& bearer,
                                                        std::chrono::seconds timeout) {
  DownloadReply reply;
  boost::system::error_code ec;
  const auto fail = [&](const char* step) {
    reply.answered = false;
    reply.error = std::string(step) + ": " + ec.message();
    stream_.close();
    buffer_.clear();
    return reply;
  };
  const bool connected = co_await ensure_connected(timeout, ec);
  if (!connected) co_return fail("connect");

  http::request<http::empty_body> request{http::verb::get, path, 11};
  request.set(http::field::host, host_header_);
  request.set(http::field::authorization, "Bearer " + bearer);
  request.keep_alive(true);
  stream_.expires_after(timeout);
  co_await http::async_write(stream_, request, net::redirect_error(net::use_awaitable, ec));
  if (ec) co_return fail("write request");

  // Header first, then the body through chunk_, counted and dropped.
  http::response_parser<http::buffer_body> parser;
  parser.body_limit(std::numeric_limits<std::uint64_t>::max());
  stream_.expires_after(timeout);
  co_await http::async_read_header(stream_, buffer_, parser, net::redirect_error(net::use_awaitable, ec));
  if (ec) co_return fail("read header");
  while (!parser.is_done()) {
    parser.get().body().data = chunk_.data();
    parser.get().body().size = chunk_.size();
    stream_.expires_after(timeout);
    co_await http::async_read(stream_, buffer_, parser, net::redirect_error(net::use_awaitable, ec));
    if (ec == http::error::need_buffer) ec = {};
    if (ec) co_return fail("read body");
    reply.bytes += chunk_.size() - parser.get().body().size;
  }
  const auto& response = parser.get();
  reply.answered = true;
  reply.status = response.result_int();
  reply.etag = std::string(response[http::field::etag]);
  if (!response.keep_alive()) stream_.close();
  co_return reply;
}

// A kept-alive connection may have been closed by the server meanwhile (its idle timeout):
// a transfer that fails on a reused connection is tried once more on a fresh one.
net::awaitable<UploadReply> FileClient::upload(std::string_view file, std::string content_type, std::string name,
                                               std::string bearer, std::chrono::seconds timeout) {
  for (int attempt = 0;; ++attempt) {
    const bool reused = stream_.socket().is_open();
    auto reply = co_await upload_once(file, content_type, name, bearer, timeout);
    if (reply.answered || !reused || attempt > 0) co_return reply;
  }
}

net::awaitable<DownloadReply> FileClient::download(const std::string& path, const std::string& bearer,
                                                   std::chrono::seconds timeout) {
  for (int attempt = 0;; ++attempt) {
    const bool reused = stream_.socket().is_open();
    auto reply = co_await download_once(path, bearer, timeout);
    if (reply.answered || !reused || attempt > 0) co_return reply;
  }
}

}  // namespace talkline::bench
