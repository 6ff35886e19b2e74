#include "upload_client.hpp"

#include "api_client.hpp"
#include "util/json.hpp"

namespace talkline::bench {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using net::ip::tcp;

UploadClient::UploadClient(net::any_io_executor executor, tcp::endpoint server, std::string host_header,
                           std::string source_address)
    : stream_(std::move(executor)),
      server_(server),
      host_header_(std::move(host_header)),
      source_address_(std::move(source_address)) {}

net::awaitable<UploadReply> UploadClient::upload(std::string_view file, std::string_view content_type,
                                                 std::string_view name, const std::string& bearer,
                                                 std::chrono::seconds timeout) {
  UploadReply reply;
  boost::system::error_code ec;
  const auto fail = [&](const char* step) {
    reply.error = std::string(step) + ": " + ec.message();
    stream_.close();
    buffer_.clear();
    return reply;
  };
  if (!stream_.socket().is_open()) {
    buffer_.clear();
    open_and_bind(stream_.socket(), source_address_);
    stream_.expires_after(timeout);
    co_await stream_.async_connect(server_, net::redirect_error(net::use_awaitable, ec));
    if (ec) co_return fail("connect");
  }

  // The header with the length, then the file straight from the shared bytes: Beast's
  // serializer would want a body type that owns them.
  http::request<http::empty_body> request{http::verb::post, "/api/v1/uploads?name=" + std::string(name), 11};
  request.set(http::field::host, host_header_);
  request.set(http::field::authorization, "Bearer " + bearer);
  request.set(http::field::content_type, std::string(content_type));
  request.content_length(file.size());
  request.keep_alive(true);
  http::request_serializer<http::empty_body> serializer{request};
  stream_.expires_after(timeout);
  co_await http::async_write_header(stream_, serializer, net::redirect_error(net::use_awaitable, ec));
  if (ec) co_return fail("write header");
  stream_.expires_after(timeout);
  co_await net::async_write(stream_, net::buffer(file.data(), file.size()),
                            net::redirect_error(net::use_awaitable, ec));
  if (ec) co_return fail("write body");

  http::response<http::string_body> response;
  stream_.expires_after(timeout);
  co_await http::async_read(stream_, buffer_, response, net::redirect_error(net::use_awaitable, ec));
  if (ec) co_return fail("read answer");
  if (!response.keep_alive()) stream_.close();

  reply.answered = true;
  reply.status = response.result_int();
  const auto body = util::Json::parse(response.body(), nullptr, false);
  if (body.is_object()) {
    if (const auto size = body.find("size"); size != body.end() && size->is_number_unsigned()) {
      reply.size = size->get<std::uint64_t>();
    }
    if (const auto sha = body.find("sha256"); sha != body.end() && sha->is_string()) {
      reply.sha256 = sha->get<std::string>();
    }
  }
  co_return reply;
}

}  // namespace talkline::bench
