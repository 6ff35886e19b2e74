#include "store/sqlite/connection.hpp"

#include <sqlite3.h>

#include "store/sqlite/sqlite_error.hpp"
#include "store/sqlite/wal_append_buffer.hpp"

namespace talkline::store::sqlite {

namespace {

// SQLite's memory statistics take one process-wide mutex around every allocation it
// makes, and nothing here reads them. Settable only before SQLite initialises, so the
// first open does it; if something initialised SQLite earlier, it stays as it was.
void configure_sqlite_once() {
  static const bool configured = [] {
    return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0) == SQLITE_OK;
  }();
  (void)configured;
}

}  // namespace

Result<std::unique_ptr<Connection>> Connection::open(const std::string& path, Mode mode, int busy_timeout_ms,
                                                     WalWrites wal_writes) {
  configure_sqlite_once();
  const char* vfs = nullptr;
  if (wal_writes == WalWrites::buffered_appends) {
    vfs = wal_append_buffer_vfs();
    if (vfs == nullptr) return Error::internal("sqlite: cannot register the WAL append buffer");
  }
  int flags = SQLITE_OPEN_NOMUTEX;
  flags |= mode == Mode::read_only ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, vfs);
  if (rc != SQLITE_OK) {
    std::string detail = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close(db);
    return sqlite_error(rc, "cannot open " + path + ": " + detail);
  }
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, busy_timeout_ms);
  return std::unique_ptr<Connection>(new Connection(db));
}

Connection::~Connection() {
  for (auto& [sql, cached] : cache_) sqlite3_finalize(cached.stmt);
  sqlite3_close(db_);
}

Error Connection::last_error(int code) const {
  int extended = sqlite3_extended_errcode(db_);
  if ((extended & 0xff) != (code & 0xff)) extended = code;
  return sqlite_error(extended, sqlite3_errmsg(db_));
}

Result<void> Connection::exec(const std::string& sql) {
  char* message = nullptr;
  int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message);
  if (rc == SQLITE_OK) return ok_result();
  std::string detail = message != nullptr ? message : sqlite3_errstr(rc);
  sqlite3_free(message);
  int extended = sqlite3_extended_errcode(db_);
  if ((extended & 0xff) != (rc & 0xff)) extended = rc;
  return sqlite_error(extended, detail);
}

Result<Statement> Connection::prepare(std::string_view sql) {
  auto found = cache_.find(sql);
  if (found != cache_.end() && !found->second.in_use) {
    found->second.in_use = true;
    return Statement(found->second.stmt, &found->second.in_use);
  }
  bool cache_it = found == cache_.end();
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), cache_it ? SQLITE_PREPARE_PERSISTENT : 0,
                              &stmt, nullptr);
  if (rc != SQLITE_OK) return last_error(rc);
  if (stmt == nullptr) return Error::internal("sqlite: empty statement");
  if (!cache_it) return Statement(stmt, nullptr);
  auto slot = cache_.emplace(std::string(sql), CachedStatement{stmt, true}).first;
  return Statement(slot->second.stmt, &slot->second.in_use);
}

Result<void> Connection::run(std::string_view sql) {
  TL_TRY_ASSIGN(Statement statement, prepare(sql));
  return statement.run();
}

bool Connection::in_transaction() const { return sqlite3_get_autocommit(db_) == 0; }

std::int64_t Connection::changes() const { return sqlite3_changes64(db_); }

}  // namespace talkline::store::sqlite
