#include "blob/s3/http_client.hpp"

// Boost 1.74's Asio needs <utility> first (as transport/asio/asio.hpp explains).
#include <utility>

#include <openssl/ssl.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/span_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <limits>
#include <stdexcept>

namespace talkline::blob::s3 {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

namespace {

// How much of a body one read hands over at most.
constexpr std::size_t kBodyChunk = 256 * 1024;

bool same_name(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

// Runs the asynchronous operation `start` begins on `io` until it completes, and
// returns its error. The stream's own deadline (tcp_stream::expires_after) ends an
// operation that stalls, so this never waits longer than that.
template <typename Start>
beast::error_code run(net::io_context& io, Start&& start) {
  beast::error_code result;
  start([&result](const beast::error_code& ec, auto&&...) { result = ec; });
  io.restart();
  io.run();
  return result;
}

}  // namespace

std::string HttpResponse::header(std::string_view name) const {
  for (const auto& [field, value] : headers) {
    if (same_name(field, name)) return value;
  }
  return {};
}

struct HttpClient::Tls {
  ssl::context context{ssl::context::tls_client};
};

// One connection with the io_context that runs its operations; used by one request
// at a time.
struct HttpClient::Connection {
  net::io_context io;
  std::optional<beast::tcp_stream> plain;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls;
  beast::flat_buffer buffer;
  bool reused = false;

  beast::tcp_stream& tcp() { return tls ? beast::get_lowest_layer(*tls) : *plain; }

  // Calls `f` with the stream requests go over.
  template <typename F>
  auto with_stream(F&& f) {
    return tls ? f(*tls) : f(*plain);
  }

  void close() {
    beast::error_code ignored;
    tcp().socket().close(ignored);
  }
};

HttpClient::HttpClient(HttpClientOptions options) : options_(std::move(options)) {
  if (!options_.endpoint.tls) return;
  tls_ = std::make_unique<Tls>();
  auto& context = tls_->context;
  context.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                      ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  context.set_default_verify_paths();
  if (!options_.ca_file.empty()) {
    beast::error_code ec;
    context.load_verify_file(options_.ca_file, ec);
    if (ec) throw std::runtime_error("S3 client: cannot load CA file " + options_.ca_file + ": " + ec.message());
  }
  context.set_verify_mode(ssl::verify_peer);
}

HttpClient::~HttpClient() = default;

std::unique_ptr<HttpClient::Connection> HttpClient::take_idle() {
  std::lock_guard lock(mutex_);
  if (idle_.empty()) return nullptr;
  auto connection = std::move(idle_.back());
  idle_.pop_back();
  return connection;
}

void HttpClient::give_back(std::unique_ptr<Connection> connection) {
  connection->reused = true;
  std::lock_guard lock(mutex_);
  if (idle_.size() < options_.max_idle_connections) idle_.push_back(std::move(connection));
}

HttpOutcome HttpClient::send(const HttpRequest& request, const BodySink* sink, const AnswerCheck* check) {
  // A pooled connection first; if the server had closed it, once more on a new one.
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto connection = attempt == 0 ? take_idle() : nullptr;
    if (!connection) connection = std::make_unique<Connection>();
    bool keep = false;
    HttpOutcome outcome = send_on(*connection, request, sink, check, keep);
    const bool stale = connection->reused && !outcome.response && !outcome.body_started;
    if (keep) {
      give_back(std::move(connection));
    } else {
      connection->close();
    }
    if (!stale) return outcome;
  }
  return {std::nullopt, "unreachable", false, false};
}

// Connects `connection` when it is new, writes the request and reads the answer.
// `keep` says whether the connection may serve another request.
HttpOutcome HttpClient::send_on(Connection& connection, const HttpRequest& request, const BodySink* sink,
                                const AnswerCheck* check, bool& keep) {
  HttpOutcome outcome;
  const auto& endpoint = options_.endpoint;
  auto& io = connection.io;

  if (!connection.reused) {
    // Resolve, bounded by the connect timeout.
    tcp::resolver resolver(io);
    net::steady_timer timer(io, options_.connect_timeout);
    tcp::resolver::results_type endpoints;
    beast::error_code resolved;
    timer.async_wait([&](const beast::error_code& ec) {
      if (!ec) resolver.cancel();
    });
    resolver.async_resolve(endpoint.host, endpoint.port,
                           [&](const beast::error_code& ec, tcp::resolver::results_type results) {
                             resolved = ec;
                             endpoints = std::move(results);
                             timer.cancel();
                           });
    io.restart();
    io.run();
    if (resolved) {
      outcome.failure = "resolve " + endpoint.host + ": " + resolved.message();
      return outcome;
    }

    if (tls_) {
      connection.tls.emplace(io, tls_->context);
    } else {
      connection.plain.emplace(io);
    }
    connection.tcp().expires_after(options_.connect_timeout);
    if (const auto ec = run(io, [&](auto handler) { connection.tcp().async_connect(endpoints, handler); })) {
      outcome.failure = "connect " + endpoint.host + ":" + endpoint.port + ": " + ec.message();
      return outcome;
    }
    connection.tcp().socket().set_option(tcp::no_delay(true));
    if (connection.tls) {
      auto* handle = connection.tls->native_handle();
      beast::error_code not_address;
      net::ip::make_address(endpoint.host, not_address);
      // SNI for names only (RFC 6066 forbids addresses there); the certificate is
      // checked against the name or the address either way.
      if (not_address && SSL_set_tlsext_host_name(handle, endpoint.host.c_str()) != 1) {
        outcome.failure = "TLS: cannot set the server name";
        return outcome;
      }
      connection.tls->set_verify_callback(ssl::host_name_verification(endpoint.host));
      connection.tcp().expires_after(options_.connect_timeout);
      if (const auto ec =
              run(io, [&](auto handler) { connection.tls->async_handshake(ssl::stream_base::client, handler); })) {
        outcome.failure = "TLS handshake with " + endpoint.host + ": " + ec.message();
        return outcome;
      }
    }
  }

  // Write the request.
  http::request<http::span_body<const char>> message;
  const auto verb = http::string_to_verb(request.method);
  if (verb == http::verb::unknown) {
    outcome.failure = "unknown method " + request.method;
    return outcome;
  }
  message.method(verb);
  message.target(request.target);
  message.version(11);
  message.set(http::field::host, endpoint.host_header);
  for (const auto& [name, value] : request.headers) message.set(name, value);
  message.body() = {request.body.data(), request.body.size()};
  message.prepare_payload();
  // HEAD, GET and DELETE carry no body; Beast would otherwise leave Content-Length out
  // of a PUT with an empty body, which S3 requires.
  if (verb == http::verb::put || verb == http::verb::post) message.content_length(request.body.size());

  outcome.request_sent = true;
  connection.tcp().expires_after(options_.io_timeout);
  if (const auto ec = connection.with_stream(
          [&](auto& stream) { return run(io, [&](auto handler) { http::async_write(stream, message, handler); }); })) {
    outcome.failure = "send " + request.method + " " + request.target + ": " + ec.message();
    return outcome;
  }

  // Read the header, then the body a chunk at a time.
  http::response_parser<http::buffer_body> parser;
  // No limit (bodies go to the sink a chunk at a time, or are capped by max_kept_body).
  // Not boost::none: Boost 1.74 compares `length > body_limit_` with the optional, and
  // any length is greater than none, so every body with a Content-Length would fail.
  parser.body_limit(std::numeric_limits<std::uint64_t>::max());
  if (verb == http::verb::head) parser.skip(true);
  connection.tcp().expires_after(options_.io_timeout);
  if (const auto ec = connection.with_stream([&](auto& stream) {
        return run(io, [&](auto handler) { http::async_read_header(stream, connection.buffer, parser, handler); });
      })) {
    outcome.failure = "answer to " + request.method + " " + request.target + ": " + ec.message();
    return outcome;
  }
  HttpResponse response;
  response.status = static_cast<int>(parser.get().result_int());
  for (const auto& field : parser.get()) {
    response.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  const bool to_sink =
      sink != nullptr && response.status >= 200 && response.status < 300 && (check == nullptr || (*check)(response));

  std::vector<char> chunk(kBodyChunk);
  bool stopped = false;  // the sink said stop, or the body is too large to keep
  while (!parser.is_done()) {
    parser.get().body().data = chunk.data();
    parser.get().body().size = chunk.size();
    connection.tcp().expires_after(options_.io_timeout);
    const auto ec = connection.with_stream([&](auto& stream) {
      return run(io, [&](auto handler) { http::async_read(stream, connection.buffer, parser, handler); });
    });
    if (ec && ec != http::error::need_buffer) {
      outcome.failure = "body of " + request.method + " " + request.target + ": " + ec.message();
      outcome.response = std::move(response);
      return outcome;
    }
    const std::size_t got = chunk.size() - parser.get().body().size;
    if (got == 0) continue;
    const std::string_view bytes(chunk.data(), got);
    if (to_sink) {
      outcome.body_started = true;
      if (!(*sink)(bytes)) {
        // Stopped with the body read to its end, the connection can still be reused.
        stopped = !parser.is_done();
        break;
      }
    } else if (response.body.size() + got <= options_.max_kept_body) {
      response.body.append(bytes);
    } else {
      // No answer S3 sends without a sink is this large; the connection is dropped.
      outcome.failure = "answer to " + request.method + " " + request.target + " is larger than " +
                        std::to_string(options_.max_kept_body) + " bytes";
      stopped = true;
      break;
    }
  }
  keep = !stopped && parser.is_done() && parser.get().keep_alive();
  outcome.response = std::move(response);
  return outcome;
}

}  // namespace talkline::blob::s3
