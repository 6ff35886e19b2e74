#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace talkline::transport::http {

/// Header list with case-insensitive lookup. Kept as a vector: requests carry few headers.
class Headers {
 public:
  void set(std::string name, std::string value);  // replaces any same-named header
  void add(std::string name, std::string value);  // appends
  std::optional<std::string_view> get(std::string_view name) const;
  /// Every value of `name`, in the order received (a list header may come in several lines).
  std::vector<std::string_view> get_all(std::string_view name) const;
  bool has(std::string_view name) const { return get(name).has_value(); }
  const std::vector<std::pair<std::string, std::string>>& all() const { return items_; }

 private:
  std::vector<std::pair<std::string, std::string>> items_;
};

/// An HTTP request as handlers see it: plain data, no Beast types.
struct Request {
  std::string method;                                  // upper-case, e.g. "GET"
  std::string target;                                  // raw request target
  std::string path;                                    // percent-decoded path, without the query
  std::unordered_map<std::string, std::string> query;  // decoded; last value wins
  Headers headers;
  std::string body;
  std::string remote_address;
  std::string request_id;
  /// Values of `{name}` segments of the matched route pattern.
  std::unordered_map<std::string, std::string> path_params;

  std::optional<std::string_view> header(std::string_view name) const { return headers.get(name); }
  /// The query value or nullopt.
  std::optional<std::string_view> query_param(std::string_view name) const;
  std::string_view path_param(std::string_view name) const;
};

/// Receives a streamed response body, a chunk at a time and in order. Returns false
/// when the producer should stop: the client is gone or too slow, nothing more will be
/// sent. (The same signature as blob::ChunkSink, so BlobStore::read can feed it.)
using BodySink = std::function<bool(std::string_view chunk)>;

/// Produces a streamed body: hands exactly StreamedBody::content_length bytes to the
/// sink, then returns true. Returning false or throwing means it failed; the server then
/// closes the connection, since a response whose header is out cannot be finished.
/// Runs once, on the worker pool: it may block (disk, S3), and blocks in the sink while
/// the connection has too much queued.
using BodyProducer = std::function<bool(const BodySink& sink)>;

/// A response body produced while it is sent, with its length known up front.
struct StreamedBody {
  std::uint64_t content_length = 0;
  BodyProducer produce;
};

struct Response {
  int status = 200;
  Headers headers;
  std::string body;
  /// When set, the body is streamed from it and `body` is ignored (see Response::streamed).
  std::optional<StreamedBody> stream;

  /// A response with a JSON body and `Content-Type: application/json`.
  static Response json(int status, std::string body);
  /// A body-less response (204 and friends).
  static Response empty(int status);
  /// A response whose `content_length` bytes come from `produce`, run on the worker
  /// pool when the header has been written and sent to the client as they come, with
  /// at most a few hundred KiB queued. For HEAD, 204 and 304 the producer never runs.
  /// Set Content-Type and the like on `headers`; Content-Length is the server's.
  static Response streamed(int status, std::uint64_t content_length, BodyProducer produce);
};

}  // namespace talkline::transport::http
