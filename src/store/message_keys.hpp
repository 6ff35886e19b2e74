#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <utility>
#include <vector>

#include "model/message.hpp"

namespace talkline::store {

/// The messages a read is completing with rows of a side table (reactions, attachments,
/// mentions), found by their primary key (conversation_id, seq). A page may hold one
/// message twice (a feed names it once per change), so a key maps to every copy.
class MessagesByKey {
 public:
  struct SeqRange {
    model::Seq low = 0;
    model::Seq high = 0;
  };

  explicit MessagesByKey(const std::vector<model::Message*>& messages) {
    for (auto* message : messages) {
      auto& same = by_key_[{message->conversation_id, message->seq}];
      if (same.empty()) {
        conversation_ids_.push_back(message->conversation_id);
        seqs_.push_back(message->seq);
        auto [range, fresh] = ranges_.try_emplace(message->conversation_id, SeqRange{message->seq, message->seq});
        if (!fresh) {
          range->second.low = std::min(range->second.low, message->seq);
          range->second.high = std::max(range->second.high, message->seq);
        }
      }
      same.push_back(message);
    }
  }

  bool empty() const { return by_key_.empty(); }

  /// The copies of the message at (conversation_id, seq); empty when none was asked for,
  /// so rows a range read returns for messages outside the page are dropped.
  const std::vector<model::Message*>& at(model::Id conversation_id, model::Seq seq) const {
    static const std::vector<model::Message*> kNone;
    auto found = by_key_.find({conversation_id, seq});
    return found == by_key_.end() ? kNone : found->second;
  }

  /// Lowest and highest seq asked for, per conversation: pages hold nearby seqs, so one
  /// range read per conversation covers them with little to skip.
  const std::map<model::Id, SeqRange>& ranges() const { return ranges_; }

  /// Every distinct key as two parallel arrays, for a join on unnest().
  const std::vector<std::int64_t>& conversation_ids() const { return conversation_ids_; }
  const std::vector<std::int64_t>& seqs() const { return seqs_; }

 private:
  std::map<std::pair<model::Id, model::Seq>, std::vector<model::Message*>> by_key_;
  std::map<model::Id, SeqRange> ranges_;
  std::vector<std::int64_t> conversation_ids_;
  std::vector<std::int64_t> seqs_;
};

/// Gives each reply of `messages` the preview of its target among `previews` (by id); a
/// target whose row is gone shows as deleted, and a tombstone gets no preview.
inline void place_reply_previews(const std::vector<model::Message*>& messages,
                                 const std::map<model::Id, model::ReplyPreview>& previews) {
  for (auto* message : messages) {
    if (!message->reply_to || message->deleted_at) continue;
    auto found = previews.find(*message->reply_to);
    message->reply_preview =
        found != previews.end() ? found->second : model::ReplyPreview{*message->reply_to, 0, 0, {}, false, true};
  }
}

}  // namespace talkline::store
