#include "store/sqlite/statement.hpp"

#include <sqlite3.h>

#include <utility>

#include "store/sqlite/sqlite_error.hpp"

namespace talkline::store::sqlite {

Statement::Statement(Statement&& other) noexcept
    : stmt_(std::exchange(other.stmt_, nullptr)),
      lease_(std::exchange(other.lease_, nullptr)),
      bind_error_(std::exchange(other.bind_error_, 0)) {}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    release();
    stmt_ = std::exchange(other.stmt_, nullptr);
    lease_ = std::exchange(other.lease_, nullptr);
    bind_error_ = std::exchange(other.bind_error_, 0);
  }
  return *this;
}

Statement::~Statement() { release(); }

void Statement::release() {
  if (stmt_ == nullptr) return;
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  if (lease_ != nullptr) {
    *lease_ = false;
  } else {
    sqlite3_finalize(stmt_);
  }
  stmt_ = nullptr;
  lease_ = nullptr;
}

Statement& Statement::bind(int index, std::int64_t value) {
  int rc = sqlite3_bind_int64(stmt_, index, value);
  if (rc != SQLITE_OK && bind_error_ == SQLITE_OK) bind_error_ = rc;
  return *this;
}

Statement& Statement::bind(int index, std::string_view value) {
  // SQLITE_TRANSIENT copies the bytes, so a temporary argument cannot dangle before step().
  int rc = sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  if (rc != SQLITE_OK && bind_error_ == SQLITE_OK) bind_error_ = rc;
  return *this;
}

Statement& Statement::bind(int index, const std::optional<std::int64_t>& value) {
  return value ? bind(index, *value) : bind(index, nullptr);
}

Statement& Statement::bind(int index, const std::optional<std::string>& value) {
  return value ? bind(index, std::string_view(*value)) : bind(index, nullptr);
}

Statement& Statement::bind(int index, std::nullptr_t) {
  int rc = sqlite3_bind_null(stmt_, index);
  if (rc != SQLITE_OK && bind_error_ == SQLITE_OK) bind_error_ = rc;
  return *this;
}

Error Statement::error_for(int code) const {
  sqlite3* db = sqlite3_db_handle(stmt_);
  int extended = db != nullptr ? sqlite3_extended_errcode(db) : code;
  if ((extended & 0xff) != (code & 0xff)) extended = code;
  std::string detail = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(code);
  return sqlite_error(extended, detail);
}

Result<bool> Statement::step() {
  if (stmt_ == nullptr) return Error::internal("sqlite: step on an empty statement");
  if (bind_error_ != SQLITE_OK) return sqlite_error(bind_error_, sqlite3_errstr(bind_error_));
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return error_for(rc);
}

template <typename Value, typename Read>
Result<std::vector<Value>> Statement::first_column(Read read) {
  std::vector<Value> values;
  for (;;) {
    TL_TRY_ASSIGN(bool has_row, step());
    if (!has_row) return values;
    values.push_back(read(*this));
  }
}

Result<std::vector<std::string>> Statement::first_column_texts() {
  return first_column<std::string>([](const Statement& row) { return row.text(0); });
}

Result<std::vector<std::int64_t>> Statement::first_column_int64s() {
  return first_column<std::int64_t>([](const Statement& row) { return row.int64(0); });
}

Result<void> Statement::run() {
  TL_TRY_ASSIGN(bool has_row, step());
  if (has_row) return Error::internal("sqlite: statement returned rows where none were expected");
  return ok_result();
}

std::int64_t Statement::int64(int column) const { return sqlite3_column_int64(stmt_, column); }

std::optional<std::int64_t> Statement::optional_int64(int column) const {
  if (sqlite3_column_type(stmt_, column) == SQLITE_NULL) return std::nullopt;
  return sqlite3_column_int64(stmt_, column);
}

std::string Statement::text(int column) const {
  // Ask for the pointer first: sqlite3_column_bytes then reports the length of that text.
  const auto* data = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
  int size = sqlite3_column_bytes(stmt_, column);
  if (data == nullptr) return {};
  return std::string(data, static_cast<std::size_t>(size));
}

std::string json_id_list(const std::vector<std::int64_t>& ids) {
  std::string list = "[";
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (i > 0) list += ',';
    list += std::to_string(ids[i]);
  }
  return list + ']';
}

}  // namespace talkline::store::sqlite
