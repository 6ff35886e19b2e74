#pragma once

#include <exception>
#include <string_view>
#include <utility>

#include "util/log.hpp"

namespace talkline::store {

/// Runs a write's completion on its backend's writer thread. A completion that throws is
/// logged and goes no further: it must not take the writer thread down with it, and the
/// completions queued behind it still run.
template <typename Completion, typename Outcome>
void complete_logged(std::string_view backend, Completion& completion, Outcome&& outcome) noexcept {
  try {
    completion(std::forward<Outcome>(outcome));
  } catch (const std::exception& e) {
    util::log::error("store.completion_failed", {{"backend", backend}, {"error", std::string_view(e.what())}});
  } catch (...) {
    util::log::error("store.completion_failed", {{"backend", backend}, {"error", "unknown exception"}});
  }
}

}  // namespace talkline::store
