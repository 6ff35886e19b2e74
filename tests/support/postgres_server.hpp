#pragma once

#include <sys/types.h>

#include <filesystem>
#include <mutex>
#include <string>

namespace talkline::testing {

/// A throwaway PostgreSQL server for tests: `initdb` into a fresh temporary directory and
/// `postgres` on a free loopback port, with its unix socket in that directory too. Runs as
/// the `postgres` user when the test runs as root (PostgreSQL refuses root). Stopped, and
/// the directory deleted, on destruction. Everything that goes wrong throws
/// std::runtime_error with the server's log, so a missing or broken PostgreSQL fails the
/// test loudly instead of skipping it.
///
/// Binaries come from $TALKLINE_PG_BIN, else /usr/lib/postgresql/15/bin.
class PostgresServer {
 public:
  PostgresServer();
  ~PostgresServer();
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  /// One server for the whole test binary, started on first use.
  static PostgresServer& shared();

  /// A URL for `database` as the superuser, over TCP to the loopback port.
  std::string url(const std::string& database) const;
  /// Creates an empty database and returns its URL.
  std::string create_database(const std::string& name);
  /// Runs `sql` (statements without results) in `database` as the superuser.
  void execute(const std::string& database, const std::string& sql);
  /// A URL whose connections work in `schema` of `database` (search_path `schema`, public),
  /// after creating the schema: a fresh namespace costs far less than a fresh database.
  std::string create_schema(const std::string& database, const std::string& schema);

  /// Stops the server (fast shutdown); the data stays. Used to simulate an outage.
  void stop();
  /// Starts it again on the same port and data directory and waits until it accepts.
  void start();

  int port() const { return port_; }

 private:
  void initdb();
  void wait_until_ready();
  std::string log_tail() const;

  std::filesystem::path bin_;
  std::filesystem::path dir_;
  int port_ = 0;
  pid_t pid_ = -1;
  std::mutex admin_mutex_;
};

}  // namespace talkline::testing
