#include "store/postgres/pg_error.hpp"

#include <string>

namespace talkline::store::postgres {

namespace {

// The messages a caller can show, for the unique keys a user can run into.
std::string conflict_message(std::string_view constraint, std::string_view detail) {
  if (constraint == "users_username_key") return "username is already taken";
  if (constraint == "refresh_tokens_token_hash_key") return "refresh token hash is already stored";
  // Two changes with one key in different conversations at once: the later insert loses.
  if (constraint == "message_changes_client_change_id_key") {
    return "clientChangeId was already used for a different change";
  }
  return "constraint violated: " + std::string(detail);
}

}  // namespace

Error pg_error(std::string_view sqlstate, std::string_view constraint, std::string_view detail) {
  std::string message = "postgres: " + std::string(detail);
  if (sqlstate.size() != 5) return Error::unavailable(message);  // raised by libpq, not the server
  std::string_view error_class = sqlstate.substr(0, 2);
  if (error_class == "23") return Error::conflict(conflict_message(constraint, detail));
  // PostgreSQL text is valid UTF-8 without NUL bytes; SQLite stores any bytes.
  if (sqlstate == "22021" || sqlstate == "22P05") return Error::invalid("text", "is not valid UTF-8 text");
  if (error_class == "08" || error_class == "53" || error_class == "57" || error_class == "58" || error_class == "40" ||
      sqlstate == "25006" || sqlstate == "55P03") {
    return Error::unavailable(message);
  }
  return Error::internal(message);
}

bool is_retryable(std::string_view sqlstate) { return sqlstate == "40001" || sqlstate == "40P01"; }

}  // namespace talkline::store::postgres
