#include "store/sqlite/reaction_queries.hpp"

#include "store/message_keys.hpp"
#include "store/sqlite/connection.hpp"

namespace talkline::store::sqlite {

Result<void> attach_reactions(Connection& db, const std::vector<model::Message*>& messages) {
  for (auto* message : messages) message->reactions.clear();
  const MessagesByKey keyed(messages);
  for (const auto& [conversation_id, range] : keyed.ranges()) {
    TL_TRY_ASSIGN(Statement query, db.prepare("SELECT message_seq, emoji, count(*), min(change_seq) AS first_change"
                                              " FROM message_reactions"
                                              " WHERE conversation_id = ? AND message_seq BETWEEN ? AND ?"
                                              " GROUP BY message_seq, emoji ORDER BY message_seq, first_change"));
    query.bind_all(conversation_id, range.low, range.high);
    for (;;) {
      TL_TRY_ASSIGN(bool has_row, query.step());
      if (!has_row) break;
      for (auto* message : keyed.at(conversation_id, query.int64(0))) {
        message->reactions.push_back(model::Reaction{query.text(1), static_cast<int>(query.int64(2)), std::nullopt});
      }
    }
  }
  return ok_result();
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
