#pragma once

// A small synchronous HTTP client and a server runner for the server tests. Every
// operation has a generous deadline so that a broken server fails a test instead of
// hanging it.

#include <chrono>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <thread>

#include "transport/asio/asio.hpp"
#include "transport/http/server.hpp"

namespace talkline::transport::http::test {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using boost::system::error_code;

using ClientRequest = bhttp::request<bhttp::string_body>;
using ClientResponse = bhttp::response<bhttp::string_body>;

inline constexpr std::chrono::seconds kDeadline{15};

inline ClientRequest make_request(bhttp::verb method, std::string target, std::string body = {},
                                  std::string content_type = {}) {
  ClientRequest request{method, target, 11};
  request.set(bhttp::field::host, "127.0.0.1");
  if (!content_type.empty()) request.set(bhttp::field::content_type, content_type);
  request.body() = std::move(body);
  request.prepare_payload();
  return request;
}

class TestClient {
 public:
  explicit TestClient(std::uint16_t port) : stream_(io_) {
    error_code result;
    stream_.expires_after(kDeadline);
    stream_.async_connect(net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), port),
                          [&](error_code ec) { result = ec; });
    run();
    if (result) throw std::runtime_error("connect failed: " + result.message());
  }

  error_code write(const ClientRequest& request) {
    error_code result;
    stream_.expires_after(kDeadline);
    bhttp::async_write(stream_, request, [&](error_code ec, std::size_t) { result = ec; });
    run();
    return result;
  }

  error_code write_raw(const std::string& bytes) {
    error_code result;
    stream_.expires_after(kDeadline);
    net::async_write(stream_, net::buffer(bytes), [&](error_code ec, std::size_t) { result = ec; });
    run();
    return result;
  }

  error_code read(ClientResponse& response) {
    error_code result;
    stream_.expires_after(kDeadline);
    bhttp::async_read(stream_, buffer_, response, [&](error_code ec, std::size_t) { result = ec; });
    run();
    return result;
  }

  template <typename Parser>
  error_code read(Parser& parser) {
    error_code result;
    stream_.expires_after(kDeadline);
    bhttp::async_read(stream_, buffer_, parser, [&](error_code ec, std::size_t) { result = ec; });
    run();
    return result;
  }

  /// Everything the server sends until it closes the connection.
  std::string read_until_closed() {
    std::string received(static_cast<const char*>(buffer_.data().data()), buffer_.size());
    buffer_.consume(buffer_.size());
    error_code result;
    stream_.expires_after(kDeadline);
    net::async_read(stream_, net::dynamic_buffer(received), [&](error_code ec, std::size_t) { result = ec; });
    run();
    return received;
  }

  /// Sends a request and reads its response; throws on any transport error.
  ClientResponse exchange(const ClientRequest& request) {
    if (auto ec = write(request)) throw std::runtime_error("write failed: " + ec.message());
    ClientResponse response;
    if (auto ec = read(response)) throw std::runtime_error("read failed: " + ec.message());
    return response;
  }

  /// True when the server ends the connection (EOF or reset) before `within` passes
  /// and without sending anything.
  bool closed_by_server(std::chrono::seconds within = kDeadline) {
    error_code result;
    std::size_t received = 0;
    char byte = 0;
    stream_.expires_after(within);
    stream_.async_read_some(net::buffer(&byte, 1), [&](error_code ec, std::size_t n) {
      result = ec;
      received = n;
    });
    run();
    return received == 0 && (result == net::error::eof || result == net::error::connection_reset);
  }

 private:
  void run() {
    io_.restart();
    io_.run();
  }

  net::io_context io_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
};

/// A Server listening on 127.0.0.1, port 0, running on a background thread.
class RunningServer {
 public:
  /// `configure` runs before listen(), e.g. to add stream handlers.
  RunningServer(ServerOptions options, Router router, const std::function<void(Server&)>& configure = {})
      : server_(std::move(options), std::move(router)) {
    if (configure) configure(server_);
    auto port = server_.listen();
    if (!port) throw std::runtime_error(port.error().message);
    port_ = *port;
    thread_ = std::thread([this] { server_.run(); });
  }
  ~RunningServer() { stop(); }

  /// Stops the server and waits for run() to return.
  void stop() {
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }

  std::uint16_t port() const { return port_; }
  Server& server() { return server_; }

 private:
  Server server_;
  std::uint16_t port_ = 0;
  std::thread thread_;
};

inline ServerOptions test_options() {
  ServerOptions options;
  options.host = "127.0.0.1";
  options.port = 0;
  options.io_threads = 2;
  options.worker_threads = 4;
  options.header_timeout = std::chrono::seconds(10);
  options.idle_timeout = std::chrono::seconds(10);
  options.request_timeout = std::chrono::seconds(10);
  options.shutdown_grace = std::chrono::seconds(10);
  return options;
}

}  // namespace talkline::transport::http::test
