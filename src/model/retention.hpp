#pragma once

#include <algorithm>
#include <optional>

#include "model/types.hpp"

namespace talkline::model {

inline constexpr Millis kMillisPerDay = 86'400'000;

/// How long a conversation keeps its messages, in ms (0: forever). The server's retention
/// is a ceiling: a conversation's own setting can shorten it, never lengthen it (D25).
/// The stores' sweep queries compute the same in SQL.
inline Millis effective_retention(std::optional<int> conversation_days, Millis server_retention) {
  if (!conversation_days) return server_retention;
  const Millis own = static_cast<Millis>(*conversation_days) * kMillisPerDay;
  return server_retention > 0 ? std::min(own, server_retention) : own;
}

}  // namespace talkline::model
