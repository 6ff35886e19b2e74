#pragma once

#include <functional>
#include <memory>
#include <string>

#include "config/config.hpp"
#include "store/store.hpp"
#include "util/result.hpp"

namespace talkline::app {

/// The store a node runs on, with the backend's own close (the Store interface has none).
struct StoreBackend {
  std::unique_ptr<store::Store> store;
  /// Refuses new calls, finishes queued writes and closes the connections. Idempotent.
  std::function<void()> close;
};

/// Builds the store TALKLINE_STORE names: "sqlite" (a file in the data dir, the default)
/// or a postgres:// / postgresql:// URL (migrations are applied on open).
Result<StoreBackend> open_store_backend(const config::Config& config);

/// TALKLINE_STORE fit for logs: a URL's password is replaced by "***".
std::string store_description(const std::string& store);

}  // namespace talkline::app
