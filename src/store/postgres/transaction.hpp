#pragma once

#include <string>
#include <string_view>
#include <utility>

#include "store/postgres/connection.hpp"
#include "store/postgres/pg_error.hpp"
#include "util/log.hpp"
#include "util/result.hpp"

namespace talkline::store::postgres {

/// Runs `body` (a function of Executor& returning Result<T>) on `db` inside one
/// transaction and returns its result: REPEATABLE READ READ ONLY when `read_only` (one
/// snapshot), READ COMMITTED otherwise. Committed when `body` succeeds, rolled back when it
/// fails, and run again from the start after a serialization failure or deadlock, so
/// `body` must not keep state of its own between attempts. Runs on the calling thread, the
/// pool thread that owns `db`.
template <typename T, typename Body>
Result<T> run_transaction(Connection& db, bool read_only, Body&& body) {
  // Serialization failures and deadlocks are the server's way of saying "run it again".
  constexpr int kAttempts = 4;
  for (int attempt = 1;; ++attempt) {
    Result<T> result = Error::internal("transaction did not run");
    std::string failed_state;
    Result<void> begun = db.exec(read_only ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY" : "BEGIN");
    if (!begun.ok()) {
      result = begun.take_error();
    } else {
      result = body(static_cast<Executor&>(db));
      if (result.ok()) {
        Result<void> committed = db.exec("COMMIT");
        if (!committed.ok()) result = committed.take_error();
        failed_state = db.last_sqlstate();
      } else {
        failed_state = db.last_sqlstate();
        // A broken link fails the ROLLBACK too and the pool replaces the connection; a
        // ROLLBACK refused on a live link is unexpected and worth a line.
        if (Result<void> rolled_back = db.exec("ROLLBACK"); !rolled_back.ok() && !db.broken()) {
          util::log::error("store.rollback_failed", {{"backend", "postgres"},
                                                     {"statement", "ROLLBACK"},
                                                     {"error", std::string_view(rolled_back.error().message)}});
        }
      }
    }
    if (!result.ok() && is_retryable(failed_state) && attempt < kAttempts) continue;
    return result;
  }
}

}  // namespace talkline::store::postgres
