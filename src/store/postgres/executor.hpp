#pragma once

#include <string>

#include "store/postgres/params.hpp"
#include "store/postgres/rows.hpp"
#include "util/result.hpp"

namespace talkline::store::postgres {

/// Runs one statement. The query functions are written against this so that the same
/// function serves inside a transaction (a Connection, during a pool task) and on its own
/// (the ConnectionPool, where the statement is its own transaction and may be pipelined).
class Executor {
 public:
  virtual ~Executor() = default;
  virtual Result<Rows> query(const std::string& sql, const Params& params) = 0;
};

}  // namespace talkline::store::postgres
