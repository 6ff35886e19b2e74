#pragma once

#include "model/types.hpp"

namespace talkline::services {

/// Size limits on user input, all configurable (config/config.hpp).
struct DomainLimits {
  int message_max_chars = 4000;
  int title_max_chars = 128;
  int group_max_members = 1000;
  int page_max_limit = 100;
  int page_default_limit = 50;
  int display_name_max_chars = 64;
  int bio_max_chars = 500;
  int avatar_url_max_bytes = 2048;
  int client_msg_id_max_bytes = 64;
  int search_query_max_chars = 256;
  int edit_window_seconds = 172800;  // 0: no limit
  int reaction_max_bytes = 32;
  int reactions_per_message = 50;
  int pins_per_conversation = 50;
  /// The server's retention (TALKLINE_RETENTION_DAYS) in ms, 0: messages are kept
  /// forever. A conversation's own setting may not be longer (D25).
  model::Millis retention_ms = 0;
  /// Longest retention a conversation may set, in days (TALKLINE_RETENTION_MAX_DAYS).
  int retention_max_days = 3650;
  int attachments_per_message = 10;
  /// Distinct @usernames resolved per message body; later ones are ignored.
  int mentions_per_message = 50;
  /// Code points of the answered message's body that a reply's preview shows.
  int reply_preview_chars = 100;
};

}  // namespace talkline::services
