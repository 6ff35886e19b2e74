#pragma once

#include <string_view>

#include "util/error.hpp"

namespace talkline::store::postgres {

/// Translates a server error into the store's vocabulary, as sqlite_error does for SQLite:
/// integrity violations (class 23) are `conflict`; text that is not valid UTF-8 is
/// `invalid_argument`; conditions of the server or the link
/// (connection, resources, operator intervention, statement timeout, serialization and
/// deadlock aborts, read-only standby) are `unavailable`; everything else means our SQL is
/// wrong, so it is `internal`. `constraint` names the violated constraint, if any.
Error pg_error(std::string_view sqlstate, std::string_view constraint, std::string_view detail);

/// True for the aborts a transaction can simply be run again after (40001, 40P01).
bool is_retryable(std::string_view sqlstate);

}  // namespace talkline::store::postgres
