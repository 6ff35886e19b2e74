#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>

#include "redis/client.hpp"

namespace talkline::testing {

/// A throwaway Redis for tests: `redis-server` on a free loopback port, with no
/// persistence (`--save '' --appendonly no`) and its working directory in a fresh
/// temporary directory. Killed, and the directory deleted, on destruction. A missing
/// or broken redis-server throws std::runtime_error (with the server's log), so the
/// test fails loudly instead of skipping.
///
/// The binary is $TALKLINE_REDIS_SERVER, else redis-server from /usr/bin or /usr/local/bin.
class RedisServer {
 public:
  RedisServer();
  ~RedisServer();
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  /// One server for the whole test binary, started on first use.
  static RedisServer& shared();

  /// Kills the server (SIGKILL: an outage, not a shutdown).
  void stop();
  /// Starts it again on the same port and waits until it answers PING.
  void start();

  /// SIGSTOP: the server keeps its connections (and the kernel still accepts new ones)
  /// but answers nothing, like a Redis stuck or partitioned away.
  void pause();
  /// SIGCONT after pause().
  void resume();

  int port() const { return port_; }
  std::string url() const { return "redis://127.0.0.1:" + std::to_string(port_); }
  /// A client of this server with the short timeouts and backoff tests want (an outage
  /// is noticed within 1.5 s, a reconnect follows within 200 ms).
  redis::ClientOptions client_options() const;

 private:
  void wait_until_ready();
  std::string log_tail() const;

  std::filesystem::path bin_;
  std::filesystem::path dir_;
  int port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace talkline::testing
