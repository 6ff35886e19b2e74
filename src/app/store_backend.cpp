#include "app/store_backend.hpp"

#include <algorithm>
#include <filesystem>
#include <thread>
#include <utility>

#include "store/postgres/postgres_store.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "util/cores.hpp"

namespace talkline::app {

namespace {

template <typename Backend>
StoreBackend wrap(std::unique_ptr<Backend> backend) {
  Backend* raw = backend.get();
  return StoreBackend{std::move(backend), [raw] { raw->close(); }};
}

}  // namespace

Result<StoreBackend> open_store_backend(const config::Config& config) {
  if (config.store == "sqlite") {
    store::sqlite::SqliteOptions options;
    options.path = (std::filesystem::path(config.data_dir) / "talkline.db").string();
    options.synchronous = config.sqlite_synchronous;
    options.writer_cache_mib = config.sqlite_cache_mib;
    options.checkpoint_pages = config.sqlite_checkpoint_pages;
    options.commit_window = std::chrono::microseconds(config.sqlite_commit_window_us);
    TL_TRY_ASSIGN(auto sqlite, store::sqlite::SqliteStore::open(options));
    return wrap(std::move(sqlite));
  }
  store::postgres::PostgresOptions options;
  options.url = config.store;
  options.append_writers = config.postgres_append_writers > 0 ? config.postgres_append_writers : util::usable_cores();
  options.commit_window = std::chrono::microseconds(config.postgres_commit_window_us);
  auto opened = store::postgres::PostgresStore::open(options);
  if (!opened.ok()) {
    Error error = opened.take_error();
    error.message = "TALKLINE_STORE " + store_description(config.store) + ": " + error.message;
    return error;
  }
  return wrap(std::move(opened).value());
}

std::string store_description(const std::string& store) {
  auto scheme_end = store.find("://");
  if (scheme_end == std::string::npos) return store;
  auto authority = scheme_end + 3;
  auto at = store.find('@', authority);
  auto slash = store.find('/', authority);
  if (at == std::string::npos || (slash != std::string::npos && slash < at)) return store;
  auto colon = store.find(':', authority);
  if (colon == std::string::npos || colon > at) return store;
  return store.substr(0, colon + 1) + "***" + store.substr(at);
}

}  // namespace talkline::app
