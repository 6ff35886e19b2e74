#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/row_reader.hpp"
#include "util/result.hpp"

struct sqlite3_stmt;

namespace talkline::store::sqlite {

/// One use of a prepared statement: bind, step through rows, read columns. Going out of
/// scope resets the statement and clears its bindings, so the connection's cache can hand
/// it out again; a statement that was not cached is finalized instead.
///
/// Text is bound and read with explicit byte lengths, so bodies come back byte-exact.
/// A bind failure is remembered and reported by the next step().
class Statement {
 public:
  Statement() = default;
  /// `lease` is the cache's in-use flag for this statement, or null when this object
  /// owns the statement outright.
  Statement(sqlite3_stmt* stmt, bool* lease) : stmt_(stmt), lease_(lease) {}
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  Statement& bind(int index, std::int64_t value);
  Statement& bind(int index, std::string_view value);
  Statement& bind(int index, const std::string& value) { return bind(index, std::string_view(value)); }
  Statement& bind(int index, const std::optional<std::int64_t>& value);
  Statement& bind(int index, const std::optional<std::string>& value);
  Statement& bind(int index, std::nullptr_t);

  /// Binds `args` to parameters 1, 2, ... in order.
  template <typename... Args>
  Statement& bind_all(const Args&... args) {
    int index = 0;
    (bind(++index, args), ...);
    return *this;
  }

  /// Moves to the next row: true when a row is ready to read, false when there are none.
  Result<bool> step();
  /// Runs a statement that is not expected to return rows.
  Result<void> run();
  /// Steps through every remaining row and returns its first column as text.
  Result<std::vector<std::string>> first_column_texts();
  /// Steps through every remaining row and returns its first column as an integer.
  Result<std::vector<std::int64_t>> first_column_int64s();

  std::int64_t int64(int column) const;
  std::optional<std::int64_t> optional_int64(int column) const;
  std::string text(int column) const;

 private:
  template <typename Value, typename Read>
  Result<std::vector<Value>> first_column(Read read);
  void release();
  Error error_for(int code) const;

  sqlite3_stmt* stmt_ = nullptr;
  bool* lease_ = nullptr;
  int bind_error_ = 0;
};

static_assert(store::RowReader<Statement>, "a statement's current row feeds the model mappers");

/// A JSON array of `ids`, bound where a statement reads a list through json_each(?):
/// one parameter for a list of any length.
std::string json_id_list(const std::vector<std::int64_t>& ids);

}  // namespace talkline::store::sqlite
