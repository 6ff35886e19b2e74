#include "store/postgres/rows.hpp"

#include <libpq-fe.h>

#include <charconv>
#include <cstdlib>

namespace talkline::store::postgres {

void Rows::Clear::operator()(pg_result* result) const { PQclear(result); }

Rows::Rows(pg_result* result) : result_(result) {}

int Rows::size() const { return result_ ? PQntuples(result_.get()) : 0; }

bool Rows::is_null(int row, int column) const { return PQgetisnull(result_.get(), row, column) != 0; }

std::string Rows::text(int row, int column) const {
  return std::string(PQgetvalue(result_.get(), row, column),
                     static_cast<std::size_t>(PQgetlength(result_.get(), row, column)));
}

std::int64_t Rows::int64(int row, int column) const {
  const char* value = PQgetvalue(result_.get(), row, column);
  std::int64_t parsed = 0;
  auto [end, ec] = std::from_chars(value, value + PQgetlength(result_.get(), row, column), parsed);
  // Only integer columns are read here; anything else is a bug in our SQL.
  if (ec != std::errc()) std::abort();
  return parsed;
}

std::optional<std::int64_t> Rows::optional_int64(int row, int column) const {
  if (is_null(row, column)) return std::nullopt;
  return int64(row, column);
}

std::int64_t Rows::affected() const {
  const char* count = result_ ? PQcmdTuples(result_.get()) : "";
  std::int64_t parsed = 0;
  std::from_chars(count, count + std::char_traits<char>::length(count), parsed);
  return parsed;
}

}  // namespace talkline::store::postgres
