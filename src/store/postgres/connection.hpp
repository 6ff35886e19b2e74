#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "store/postgres/executor.hpp"
#include "store/postgres/params.hpp"
#include "store/postgres/rows.hpp"
#include "util/result.hpp"

struct pg_conn;
struct pg_result;

namespace talkline::store::postgres {

struct ConnectionOptions {
  /// A libpq connection string or URI (postgres://user@host:port/db?…).
  std::string url;
  /// Time allowed to establish a connection (libpq connect_timeout, whole seconds, ≥ 2).
  int connect_timeout_seconds = 5;
  /// Server-side limit for one statement; the client gives up a little later still, so a
  /// server that stops answering (paused, partitioned) cannot hold a caller forever.
  int statement_timeout_ms = 10000;
};

/// One statement with its parameters, for pipelines.
struct Request {
  std::string sql;
  Params params;
};

/// One libpq connection with its own cache of prepared statements. Used by one thread at
/// a time (the pool thread that owns it). Every wait on the server is bounded: statements
/// by statement_timeout plus a grace period, after which the connection is dropped. Once a
/// call fails at the link level the connection is broken() and must be replaced.
class Connection final : public Executor {
 public:
  static Result<std::unique_ptr<Connection>> open(const ConnectionOptions& options);

  ~Connection() override;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  /// Runs SQL that returns no rows over the simple protocol; may hold several statements
  /// (a migration script, "BEGIN", "COMMIT").
  Result<void> exec(const std::string& sql);

  /// Runs one statement, prepared once per connection and reused.
  Result<Rows> query(const std::string& sql, const Params& params) override;
  Result<Rows> query(const std::string& sql) { return query(sql, Params()); }

  /// Where a pipeline puts its sync points.
  enum class Syncs {
    /// After each request: each runs in its own implicit transaction and a failing one
    /// fails alone; the server answers (one send) after each.
    after_each,
    /// Once, after the last: for requests that form one transaction (BEGIN … COMMIT).
    /// The server answers the lot in one send; after a failure the rest are skipped and
    /// answered with an error, and the caller rolls back.
    at_end,
  };
  /// Sends every request before reading any answer (libpq pipeline mode): one round trip
  /// for the lot. Answers come back in request order.
  std::vector<Result<Rows>> pipeline(const std::vector<const Request*>& requests, Syncs syncs = Syncs::after_each);

  /// SQLSTATE of the last server error ("" if none), to tell retryable aborts apart.
  const std::string& last_sqlstate() const { return last_sqlstate_; }

  /// False once the link failed; reads any pending input first, so a connection the
  /// server closed while idle (a restart) is noticed before it is used.
  bool usable();

  /// True once a call has failed at the link level; unlike usable(), reads nothing.
  bool broken() const { return broken_; }

 private:
  Connection(pg_conn* conn, const ConnectionOptions& options);

  Result<std::string> prepared(const std::string& sql);
  /// The next answer of the current command, or nullptr when it is complete.
  Result<pg_result*> next_result();
  /// Reads the answers of one command up to its end; the first error wins.
  Result<Rows> finish_command();
  Error link_failure(std::string_view what);
  Error result_error(pg_result* result);

  pg_conn* conn_ = nullptr;
  std::chrono::milliseconds reply_timeout_;
  std::chrono::steady_clock::time_point deadline_;
  bool broken_ = false;
  std::string last_sqlstate_;
  std::unordered_map<std::string, std::string> statements_;
};

}  // namespace talkline::store::postgres
