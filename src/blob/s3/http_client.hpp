#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "blob/s3/endpoint_url.hpp"

// Beast and Asio stay inside http_client.cpp: the S3 store and its tests see this
// header only.

namespace talkline::blob::s3 {

struct HttpClientOptions {
  EndpointUrl endpoint;
  /// Longest wait for a connection (and its TLS handshake).
  std::chrono::milliseconds connect_timeout{5'000};
  /// Longest wait for any one write or read to make progress.
  std::chrono::milliseconds io_timeout{30'000};
  /// PEM file of CAs to trust for https, besides the system's; empty for none.
  std::string ca_file;
  /// Idle keep-alive connections kept for the next requests.
  std::size_t max_idle_connections = 8;
  /// Most bytes of a body kept in HttpResponse::body (error documents, XML replies).
  std::size_t max_kept_body = 1024 * 1024;
};

struct HttpRequest {
  std::string method;  // "GET", "PUT", "POST", "DELETE", "HEAD"
  std::string target;  // path and query, already encoded
  std::vector<std::pair<std::string, std::string>> headers;
  std::string_view body;  // must outlive send()
};

struct HttpResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;  // empty when the body went to a sink
  /// The value of the first header named `name` (any case), or "".
  std::string header(std::string_view name) const;
};

/// Receives a response body a chunk at a time; returning false stops reading it.
using BodySink = std::function<bool(std::string_view chunk)>;

/// Looks at a 2xx answer's status and headers before its body is read: true sends the
/// body to the sink, false keeps it out of the sink (kept in the response instead, up
/// to max_kept_body).
using AnswerCheck = std::function<bool(const HttpResponse& head)>;

/// What became of one request.
struct HttpOutcome {
  std::optional<HttpResponse> response;  // set when an answer came
  std::string failure;                   // why none came, or why the body stopped
  bool request_sent = false;             // the request may have reached the server
  bool body_started = false;             // the sink received bytes
};

/// Blocking HTTP/1.1 to one endpoint (TLS when it is https, verifying the
/// certificate and host name), over a small pool of keep-alive connections. A request
/// that fails on a pooled connection before any answer (the server closed it while
/// idle) is sent once more on a new one.
///
/// Threads: send() from any number of threads at once; each request has a connection
/// to itself for its duration.
class HttpClient {
 public:
  explicit HttpClient(HttpClientOptions options);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  /// Sends `request` with a Host header (the endpoint's) and Content-Length. When
  /// `sink` is given and the status is 2xx, the body goes to it instead of into the
  /// response; a sink that returns false ends the request there (no failure). A body
  /// cut short, or one without a sink over max_kept_body, sets `failure` beside the
  /// response.
  HttpOutcome send(const HttpRequest& request, const BodySink* sink = nullptr, const AnswerCheck* check = nullptr);

  const HttpClientOptions& options() const { return options_; }

 private:
  struct Connection;
  struct Tls;

  std::unique_ptr<Connection> take_idle();
  void give_back(std::unique_ptr<Connection> connection);
  HttpOutcome send_on(Connection& connection, const HttpRequest& request, const BodySink* sink,
                      const AnswerCheck* check, bool& keep);

  const HttpClientOptions options_;
  std::unique_ptr<Tls> tls_;  // null for http
  std::mutex mutex_;
  std::vector<std::unique_ptr<Connection>> idle_;
};

}  // namespace talkline::blob::s3
