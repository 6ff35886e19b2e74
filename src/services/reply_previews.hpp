#pragma once

#include <cstddef>

#include "model/mentions.hpp"
#include "model/message.hpp"
#include "services/limits.hpp"

namespace talkline::services {

/// Cuts the message's reply preview (if any) to reply_preview_chars code points. The store
/// hands out the answered message's whole body; every view a client gets passes through
/// here first (the services' answers and events, and the offline webhook).
inline void cut_reply_previews(model::Message& message, const DomainLimits& limits) {
  if (message.reply_preview) {
    model::cut_reply_preview(*message.reply_preview, static_cast<std::size_t>(limits.reply_preview_chars));
  }
}

}  // namespace talkline::services
