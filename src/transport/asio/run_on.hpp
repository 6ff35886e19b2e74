#pragma once

#include <optional>
#include <type_traits>
#include <utility>

#include "transport/asio/asio.hpp"

namespace talkline::transport {

/// Runs `work` on `executor` (a pool, a strand, another event loop) and resumes the
/// awaiting coroutine on its own executor with the result.
///
/// `work` is taken by reference and must outlive the call: GCC 12 destroys a closure
/// created inside a co_await expression twice (a captured shared_ptr then loses one
/// reference too many), so callers bind the closure to a named local first.
template <typename Executor, typename F>
boost::asio::awaitable<std::invoke_result_t<F&>> run_on(const Executor& executor, F& work) {
  using Value = std::invoke_result_t<F&>;
  // Boxed: co_spawn's completion needs a default-constructible value, which Result is not.
  auto task = [&work]() -> boost::asio::awaitable<std::optional<Value>> { co_return work(); };
  auto value = co_await boost::asio::co_spawn(executor, std::move(task), boost::asio::use_awaitable);
  co_return std::move(*value);
}

}  // namespace talkline::transport
