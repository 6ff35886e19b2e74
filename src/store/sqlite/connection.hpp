#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "store/sqlite/statement.hpp"
#include "util/result.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace talkline::store::sqlite {

/// One SQLite database handle with its own cache of prepared statements. A connection is
/// used by one thread at a time (the writer thread, or whoever checked it out of the
/// reader pool), which is why it is opened without SQLite's internal mutex.
class Connection {
 public:
  enum class Mode { read_write, read_only };
  /// How the connection writes the WAL: `buffered_appends` gathers a commit's frames into
  /// one write (wal_append_buffer.hpp); only for a writer whose commits sync.
  enum class WalWrites { plain, buffered_appends };

  /// Opens (creating it in read-write mode) the database at `path`.
  static Result<std::unique_ptr<Connection>> open(const std::string& path, Mode mode, int busy_timeout_ms,
                                                  WalWrites wal_writes = WalWrites::plain);

  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  /// Runs SQL that returns no rows; may hold several statements (a migration script).
  Result<void> exec(const std::string& sql);

  /// A statement for `sql`, prepared once per connection and reused. If the cached copy
  /// is still in use by an enclosing Statement, a private copy is prepared instead.
  Result<Statement> prepare(std::string_view sql);

  /// Runs a single statement that returns no rows through the statement cache, so SQL
  /// run many times a second (a savepoint per job) is parsed once.
  Result<void> run(std::string_view sql);

  /// True between BEGIN and COMMIT/ROLLBACK; false once the engine has rolled back by itself.
  bool in_transaction() const;
  /// Rows changed by the last INSERT, UPDATE or DELETE.
  std::int64_t changes() const;
  /// The raw handle, for the few SQLite calls this class does not wrap (the WAL hook).
  sqlite3* handle() const { return db_; }

 private:
  explicit Connection(sqlite3* db) : db_(db) {}
  Error last_error(int code) const;

  struct CachedStatement {
    sqlite3_stmt* stmt = nullptr;
    bool in_use = false;
  };

  sqlite3* db_ = nullptr;
  // Looked up by string_view, so finding a cached statement allocates nothing.
  struct SqlHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view sql) const { return std::hash<std::string_view>{}(sql); }
  };
  // Node-based map: the address of each in_use flag stays valid while statements are leased.
  std::unordered_map<std::string, CachedStatement, SqlHash, std::equal_to<>> cache_;
};

}  // namespace talkline::store::sqlite
