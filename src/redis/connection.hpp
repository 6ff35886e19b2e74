#pragma once

// A blocking Redis connection (hiredis), used by one thread at a time: the thread that
// owns the redis::Link it came from. Never use it on an event loop.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "redis/endpoint.hpp"

struct redisContext;
struct redisReply;

namespace talkline::redis {

/// One reply; empty (null()) when the connection failed before one arrived.
class Reply {
 public:
  Reply() = default;
  explicit Reply(redisReply* reply);

  /// No reply at all: the connection broke or timed out.
  bool missing() const { return root_ == nullptr; }
  bool is_error() const;
  bool is_nil() const;
  bool is_integer() const;
  bool is_string() const;  // bulk or status
  bool is_array() const;
  std::string_view text() const;  // string, status or error text; empty otherwise
  long long integer() const;      // 0 unless is_integer()
  std::size_t size() const;       // array length; 0 otherwise
  /// Element `i` of an array reply (a view: valid while this Reply lives).
  Reply at(std::size_t i) const;

 private:
  Reply(std::shared_ptr<redisReply> root, const redisReply* node) : root_(std::move(root)), node_(node) {}
  std::shared_ptr<redisReply> root_;
  const redisReply* node_ = nullptr;
};

/// No defaults of their own: they come from Config (TALKLINE_REDIS_*) via redis::Client.
struct ConnectOptions {
  std::chrono::milliseconds connect_timeout{};
  /// A reply later than this counts as a broken connection.
  std::chrono::milliseconds io_timeout{};
};

class Connection {
 public:
  /// Connects, logs in and checks with PING (a paused Redis still accepts TCP).
  /// nullptr when it is not reachable; the reason is logged at debug level under `role`.
  static std::unique_ptr<Connection> open(const Endpoint& endpoint, const ConnectOptions& options,
                                          std::string_view role);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  /// Sends one command and waits for its reply.
  Reply command(const std::vector<std::string>& argv);
  /// Pipelining: queue commands with append(), then send them all with the first
  /// read() and take one reply per appended command, in order.
  void append(const std::vector<std::string>& argv);
  Reply read();

  /// True once a command failed on the wire; the connection must be opened again.
  bool broken() const;
  /// An idle connection with something to read was closed by the server (or sent an
  /// error before closing): make a new one rather than write to it.
  bool closed_while_idle() const;
  /// For a user that drives hiredis' buffers and the socket itself (the bus's pipelines
  /// and its subscriber's poll); the Connection still owns and frees it.
  redisContext* context() const { return context_; }

 private:
  explicit Connection(redisContext* context) : context_(context) {}
  redisContext* context_;
  bool broken_ = false;
};

/// hiredis writes with write(2); a Redis that went away would raise SIGPIPE. Call at
/// the start of a thread that uses a Connection: write then fails with EPIPE.
void block_sigpipe_in_this_thread();

}  // namespace talkline::redis
