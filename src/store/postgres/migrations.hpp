#pragma once

#include <string_view>
#include <vector>

#include "model/types.hpp"
#include "util/result.hpp"

namespace talkline::store::postgres {

class Connection;

struct Migration {
  int version = 0;
  std::string_view sql;
};

/// The schema scripts compiled into the binary (migrations/postgres), in version order.
std::vector<Migration> builtin_migrations();

/// Brings the database up to date: creates `schema_migrations` if needed, then applies
/// each migration whose version is not recorded there, in order, each in its own
/// transaction together with its record. Every step holds a transaction-scoped advisory
/// lock, so nodes starting at the same moment apply each migration exactly once.
Result<void> apply_migrations(Connection& connection, const std::vector<Migration>& migrations, model::Millis now);

}  // namespace talkline::store::postgres
