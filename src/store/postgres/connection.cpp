#include "store/postgres/connection.hpp"

#include <libpq-fe.h>
#include <poll.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <optional>

#include "store/postgres/pg_error.hpp"
#include "util/metrics/node_metrics.hpp"

namespace talkline::store::postgres {

namespace {

// Time the client waits beyond statement_timeout before it gives up on the server: the
// server reports its own timeout within this grace; silence past it means a dead link.
constexpr std::chrono::milliseconds kReplyGrace{2000};

void ignore_notice(void* /*arg*/, const char* /*message*/) {}

std::string trimmed(const char* message) {
  std::string text = message != nullptr ? message : "";
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

// postgres_up follows what the node's connections last saw: 0 from a failed connect or a
// lost link, 1 from the next connect that works; each such return counts as a
// reconnect. Set only on change, so healthy traffic writes nothing shared.
void saw_postgres(bool up) {
  static std::atomic<bool> ever_up{false};
  auto& store = util::metrics::node_metrics().store;
  const std::int64_t now = up ? 1 : 0;
  if (store.postgres_up.value() == now) return;
  store.postgres_up.set(now);
  if (up && ever_up.exchange(true)) store.postgres_reconnects.add();
}

}  // namespace

Result<std::unique_ptr<Connection>> Connection::open(const ConnectionOptions& options) {
  // Defaults come before dbname: with expand_dbname, the URL's own settings override them.
  std::string timeout = std::to_string(std::max(2, options.connect_timeout_seconds));
  const char* keys[] = {"connect_timeout", "application_name", "dbname", nullptr};
  const char* values[] = {timeout.c_str(), "talkline", options.url.c_str(), nullptr};
  PGconn* conn = PQconnectdbParams(keys, values, 1);
  if (conn == nullptr) return Error::unavailable("postgres: cannot allocate a connection");
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string message = trimmed(PQerrorMessage(conn));
    PQfinish(conn);
    saw_postgres(false);
    return Error::unavailable("postgres: cannot connect: " + message);
  }
  PQsetNoticeProcessor(conn, ignore_notice, nullptr);
  saw_postgres(true);
  std::unique_ptr<Connection> connection(new Connection(conn, options));
  // A send is acknowledged only once durable (docs/protocol.md, "Delivery guarantees"), so a
  // server configured with synchronous_commit = off is overruled for our sessions; stronger
  // settings are kept.
  TL_TRY(connection->exec("SET statement_timeout = " + std::to_string(std::max(0, options.statement_timeout_ms)) +
                          "; SELECT set_config('synchronous_commit', 'on', false)"
                          " WHERE current_setting('synchronous_commit') = 'off'"));
  return connection;
}

Connection::Connection(pg_conn* conn, const ConnectionOptions& options)
    : conn_(conn), reply_timeout_(std::chrono::milliseconds(options.statement_timeout_ms) + kReplyGrace) {}

Connection::~Connection() { PQfinish(conn_); }

// While idle, the server only speaks to say goodbye: a FATAL error just before it closes
// the connection (a restart, an administrator, an idle timeout). libpq notices the close only
// when it reads past that message, so input is read for as long as the socket has any; a
// closed connection then shows as CONNECTION_BAD here rather than failing the next call.
bool Connection::usable() {
  for (int reads = 0; reads < 4 && !broken_; ++reads) {
    pollfd probe{PQsocket(conn_), POLLIN, 0};
    if (poll(&probe, 1, 0) <= 0) break;
    if (PQconsumeInput(conn_) == 0) broken_ = true;
  }
  if (PQstatus(conn_) != CONNECTION_OK || PQtransactionStatus(conn_) != PQTRANS_IDLE) broken_ = true;
  return !broken_;
}

Error Connection::link_failure(std::string_view what) {
  broken_ = true;
  saw_postgres(false);
  last_sqlstate_.clear();
  return Error::unavailable("postgres: " + std::string(what));
}

Error Connection::result_error(pg_result* result) {
  const char* sqlstate = PQresultErrorField(result, PG_DIAG_SQLSTATE);
  const char* constraint = PQresultErrorField(result, PG_DIAG_CONSTRAINT_NAME);
  last_sqlstate_ = sqlstate != nullptr ? sqlstate : "";
  // Connection errors and administrator shutdowns end the session on the server side.
  if (PQstatus(conn_) != CONNECTION_OK || last_sqlstate_.rfind("08", 0) == 0 || last_sqlstate_.rfind("57P", 0) == 0) {
    broken_ = true;
    saw_postgres(false);
  }
  return pg_error(last_sqlstate_, constraint != nullptr ? constraint : "", trimmed(PQresultErrorMessage(result)));
}

Result<pg_result*> Connection::next_result() {
  auto deadline = std::chrono::steady_clock::now() + reply_timeout_;
  while (PQisBusy(conn_) != 0) {
    auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (remaining.count() <= 0) return link_failure("no answer from the server in time");
    pollfd wait{PQsocket(conn_), POLLIN, 0};
    int ready = poll(&wait, 1, static_cast<int>(remaining.count()));
    if (ready < 0 && errno != EINTR) return link_failure("poll failed");
    if (ready > 0 && PQconsumeInput(conn_) == 0) return link_failure(trimmed(PQerrorMessage(conn_)));
  }
  return PQgetResult(conn_);
}

Result<Rows> Connection::finish_command() {
  std::optional<Error> error;
  Rows rows;
  for (;;) {
    TL_TRY_ASSIGN(pg_result * result, next_result());
    if (result == nullptr) break;
    ExecStatusType status = PQresultStatus(result);
    if (status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK) {
      if (!error) {
        rows = Rows(result);
        continue;
      }
    } else if (!error) {
      error = result_error(result);
    }
    PQclear(result);
  }
  if (error) return std::move(*error);
  last_sqlstate_.clear();
  return rows;
}

Result<void> Connection::exec(const std::string& sql) {
  if (broken_) return Error::unavailable("postgres: connection is broken");
  if (PQsendQuery(conn_, sql.c_str()) == 0) return link_failure(trimmed(PQerrorMessage(conn_)));
  TL_TRY(finish_command());
  return ok_result();
}

Result<std::string> Connection::prepared(const std::string& sql) {
  if (auto found = statements_.find(sql); found != statements_.end()) return found->second;
  if (broken_) return Error::unavailable("postgres: connection is broken");
  std::string name = "tl" + std::to_string(statements_.size() + 1);
  if (PQsendPrepare(conn_, name.c_str(), sql.c_str(), 0, nullptr) == 0) {
    return link_failure(trimmed(PQerrorMessage(conn_)));
  }
  TL_TRY(finish_command());
  statements_.emplace(sql, name);
  return name;
}

Result<Rows> Connection::query(const std::string& sql, const Params& params) {
  TL_TRY_ASSIGN(std::string name, prepared(sql));
  std::vector<const char*> values = params.pointers();
  if (PQsendQueryPrepared(conn_, name.c_str(), params.size(), values.data(), nullptr, nullptr, 0) == 0) {
    return link_failure(trimmed(PQerrorMessage(conn_)));
  }
  return finish_command();
}

std::vector<Result<Rows>> Connection::pipeline(const std::vector<const Request*>& requests, Syncs syncs) {
  std::vector<Result<Rows>> answers;
  answers.reserve(requests.size());
  // Statements are prepared (once per connection) before the pipeline starts; if one
  // cannot be, the requests simply run one by one and each reports its own outcome.
  std::vector<std::string> names;
  for (const Request* request : requests) {
    Result<std::string> name = prepared(request->sql);
    if (!name.ok()) {
      for (const Request* one : requests) answers.push_back(query(one->sql, one->params));
      return answers;
    }
    names.push_back(std::move(name).value());
  }
  auto fail_rest = [&](const Error& error) {
    while (answers.size() < requests.size()) answers.emplace_back(error);
  };
  if (PQenterPipelineMode(conn_) == 0) {
    fail_rest(link_failure("cannot enter pipeline mode"));
    return answers;
  }
  auto sync_after = [&](std::size_t i) { return syncs == Syncs::after_each || i + 1 == requests.size(); };
  for (std::size_t i = 0; i < requests.size(); ++i) {
    std::vector<const char*> values = requests[i]->params.pointers();
    if (PQsendQueryPrepared(conn_, names[i].c_str(), requests[i]->params.size(), values.data(), nullptr, nullptr, 0) ==
            0 ||
        (sync_after(i) && PQpipelineSync(conn_) == 0)) {
      fail_rest(link_failure(trimmed(PQerrorMessage(conn_))));
      return answers;
    }
  }
  for (std::size_t i = 0; i < requests.size(); ++i) {
    answers.push_back(finish_command());
    if (broken_) {
      fail_rest(Error::unavailable("postgres: connection lost during a pipeline"));
      return answers;
    }
    if (!sync_after(i)) continue;
    Result<pg_result*> sync = next_result();
    if (!sync.ok()) {
      fail_rest(sync.error());
      return answers;
    }
    bool synced = *sync != nullptr && PQresultStatus(*sync) == PGRES_PIPELINE_SYNC;
    PQclear(*sync);
    if (!synced) {
      fail_rest(link_failure("pipeline lost its sync point"));
      return answers;
    }
  }
  if (PQexitPipelineMode(conn_) == 0) broken_ = true;
  return answers;
}

}  // namespace talkline::store::postgres
