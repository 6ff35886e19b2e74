#pragma once

#include <memory>
#include <stdexcept>

#include "store/sqlite/sqlite_store.hpp"
#include "unit/store/temp_dir.hpp"

namespace talkline::store::testing {

/// A real SQLite store on a fresh file of its own, for tests of what sits on top of the
/// store. Nothing outlives the test, so commits skip the sync (synchronous=normal). The
/// store is closed before its directory goes.
class ScratchSqliteStore {
 public:
  ScratchSqliteStore() {
    sqlite::SqliteOptions options;
    options.path = dir_.file("test.db");
    options.synchronous = "normal";
    auto opened = sqlite::SqliteStore::open(options);
    if (!opened.ok()) throw std::runtime_error("cannot open a scratch store: " + opened.error().message);
    store_ = std::move(opened).value();
  }
  ~ScratchSqliteStore() { store_->close(); }
  ScratchSqliteStore(const ScratchSqliteStore&) = delete;
  ScratchSqliteStore& operator=(const ScratchSqliteStore&) = delete;

  sqlite::SqliteStore& store() { return *store_; }

 private:
  TempDir dir_;
  std::unique_ptr<sqlite::SqliteStore> store_;
};

}  // namespace talkline::store::testing
