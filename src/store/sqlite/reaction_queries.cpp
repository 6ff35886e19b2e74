#include "store/sqlite/reaction_queries.hpp"

#include <algorithm>
#include <map>
#include <utility>

#include "store/sqlite/connection.hpp"

namespace talkline::store::sqlite {

namespace {

struct SeqRange {
  model::Seq low = 0;
  model::Seq high = 0;
};

// Messages are read in pages of nearby seqs, so one range per conversation covers them
// with little to skip; the rows outside the wanted messages are dropped.
std::map<model::Id, SeqRange> ranges_of(const std::vector<model::Message*>& messages) {
  std::map<model::Id, SeqRange> ranges;
  for (const auto* message : messages) {
    auto [range, fresh] = ranges.try_emplace(message->conversation_id, SeqRange{message->seq, message->seq});
    if (fresh) continue;
    range->second.low = std::min(range->second.low, message->seq);
    range->second.high = std::max(range->second.high, message->seq);
  }
  return ranges;
}

}  // namespace

Result<void> attach_reactions(Connection& db, const std::vector<model::Message*>& messages) {
  std::map<std::pair<model::Id, model::Seq>, std::vector<model::Message*>> by_key;
  for (auto* message : messages) {
    message->reactions.clear();
    by_key[{message->conversation_id, message->seq}].push_back(message);
  }
  for (const auto& [conversation_id, range] : ranges_of(messages)) {
    TL_TRY_ASSIGN(Statement query, db.prepare("SELECT message_seq, emoji, count(*), min(change_seq) AS first_change"
                                              " FROM message_reactions"
                                              " WHERE conversation_id = ? AND message_seq BETWEEN ? AND ?"
                                              " GROUP BY message_seq, emoji ORDER BY message_seq, first_change"));
    query.bind_all(conversation_id, range.low, range.high);
    for (;;) {
      TL_TRY_ASSIGN(bool has_row, query.step());
      if (!has_row) break;
      auto wanted = by_key.find({conversation_id, query.int64(0)});
      if (wanted == by_key.end()) continue;
      for (auto* message : wanted->second) {
        message->reactions.push_back(model::Reaction{query.text(1), static_cast<int>(query.int64(2)), std::nullopt});
      }
    }
  }
  return ok_result();
}

Result<void> attach_reactions(Connection& db, std::vector<model::Message>& messages) {
  return attach_reactions_within(db, messages, [](model::Message& message) -> model::Message& { return message; });
}

Result<std::vector<model::ReactionMark>> reactions_of_user(Connection& db, model::Id user_id, model::Id conversation_id,
                                                           const std::vector<model::Seq>& seqs) {
  std::vector<model::ReactionMark> marks;
  if (seqs.empty()) return marks;
  const auto [low, high] = std::minmax_element(seqs.begin(), seqs.end());
  TL_TRY_ASSIGN(Statement query, db.prepare("SELECT message_seq, emoji FROM message_reactions"
                                            " WHERE conversation_id = ? AND message_seq BETWEEN ? AND ? AND user_id = ?"));
  query.bind_all(conversation_id, *low, *high, user_id);
  for (;;) {
    TL_TRY_ASSIGN(bool has_row, query.step());
    if (!has_row) break;
    const model::Seq seq = query.int64(0);
    if (std::find(seqs.begin(), seqs.end(), seq) == seqs.end()) continue;
    marks.push_back(model::ReactionMark{seq, query.text(1)});
  }
  return marks;
}

}  // namespace talkline::store::sqlite
