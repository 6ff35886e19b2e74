#include "api_client.hpp"

#include <chrono>

namespace talkline::bench {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using net::ip::tcp;

void open_and_bind(tcp::socket& socket, const std::string& source_address) {
  socket.open(tcp::v4());
  if (source_address.empty()) return;
  socket.bind(tcp::endpoint(net::ip::make_address(source_address), 0));
}

tcp::endpoint resolve_endpoint(const std::string& host, std::uint16_t port) {
  net::io_context context;
  tcp::resolver resolver(context);
  auto results = resolver.resolve(tcp::v4(), host, std::to_string(port));
  return results.begin()->endpoint();
}

ApiClient::ApiClient(net::any_io_executor executor, tcp::endpoint server, std::string host_header,
                     std::string source_address)
    : stream_(std::move(executor)),
      server_(server),
      host_header_(std::move(host_header)),
      source_address_(std::move(source_address)) {}

net::awaitable<void> ApiClient::ensure_connected() {
  if (stream_.socket().is_open()) co_return;
  buffer_.clear();
  open_and_bind(stream_.socket(), source_address_);
  stream_.expires_after(std::chrono::seconds(10));
  co_await stream_.async_connect(server_, net::use_awaitable);
}

net::awaitable<ApiReply> ApiClient::post(std::string path, util::Json body, std::string bearer) {
  http::request<http::string_body> request{http::verb::post, path, 11};
  request.set(http::field::content_type, "application/json");
  request.body() = body.dump();
  co_return co_await exchange(std::move(request), std::move(bearer));
}

net::awaitable<ApiReply> ApiClient::get(std::string path, std::string bearer) {
  http::request<http::string_body> request{http::verb::get, path, 11};
  co_return co_await exchange(std::move(request), std::move(bearer));
}

net::awaitable<ApiReply> ApiClient::exchange(http::request<http::string_body> request, std::string bearer) {
  request.set(http::field::host, host_header_);
  if (!bearer.empty()) request.set(http::field::authorization, "Bearer " + bearer);
  request.keep_alive(true);
  request.prepare_payload();

  http::response<http::string_body> response;
  // A kept-alive connection may have been closed by the server meanwhile: one retry on a fresh one.
  for (int attempt = 0;; ++attempt) {
    co_await ensure_connected();
    boost::system::error_code ec;
    stream_.expires_after(std::chrono::seconds(30));
    co_await http::async_write(stream_, request, net::redirect_error(net::use_awaitable, ec));
    if (!ec) {
      response = {};
      co_await http::async_read(stream_, buffer_, response, net::redirect_error(net::use_awaitable, ec));
    }
    if (!ec) break;
    stream_.close();
    if (attempt == 1) {
      throw boost::system::system_error(ec, std::string(request.method_string()) + " " + std::string(request.target()));
    }
  }
  if (!response.keep_alive()) stream_.close();

  ApiReply reply;
  reply.status = response.result_int();
  reply.body = util::Json::parse(response.body(), nullptr, false);
  if (reply.body.is_discarded()) reply.body = nullptr;
  co_return reply;
}

}  // namespace talkline::bench
