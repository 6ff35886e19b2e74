#include "store/postgres/reaction_queries.hpp"

#include "store/message_keys.hpp"
#include "store/postgres/params.hpp"
#include "store/postgres/rows.hpp"

namespace talkline::store::postgres {

Result<void> attach_reactions(Executor& db, const std::vector<model::Message*>& messages) {
  for (auto* message : messages) message->reactions.clear();
  const MessagesByKey keyed(messages);
  if (keyed.empty()) return ok_result();
  TL_TRY_ASSIGN(Rows rows,
                db.query("SELECT r.conversation_id, r.message_seq, r.emoji, count(*), min(r.change_seq) AS first_change"
                         " FROM unnest($1::bigint[], $2::bigint[]) AS wanted (conversation_id, seq)"
                         " JOIN message_reactions r"
                         " ON r.conversation_id = wanted.conversation_id AND r.message_seq = wanted.seq"
                         " GROUP BY r.conversation_id, r.message_seq, r.emoji"
                         " ORDER BY r.conversation_id, r.message_seq, first_change",
                         Params::of(keyed.conversation_ids(), keyed.seqs())));
  for (int row = 0; row < rows.size(); ++row) {
    for (auto* message : keyed.at(rows.int64(row, 0), rows.int64(row, 1))) {
      message->reactions.push_back(
          model::Reaction{rows.text(row, 2), static_cast<int>(rows.int64(row, 3)), std::nullopt});
    }
  }
  return ok_result();
}

Result<std::vector<model::ReactionMark>> reactions_of_user(Executor& db, model::Id user_id, model::Id conversation_id,
                                                           const std::vector<model::Seq>& seqs) {
  std::vector<model::ReactionMark> marks;
  if (seqs.empty()) return marks;
  const std::vector<std::int64_t> wanted(seqs.begin(), seqs.end());
  TL_TRY_ASSIGN(Rows rows, db.query("SELECT message_seq, emoji FROM message_reactions"
                                    " WHERE conversation_id = $1 AND message_seq = ANY($2::bigint[]) AND user_id = $3",
                                    Params::of(conversation_id, wanted, user_id)));
  for (int row = 0; row < rows.size(); ++row) marks.push_back(model::ReactionMark{rows.int64(row, 0), rows.text(row, 1)});
  return marks;
}

}  // namespace talkline::store::postgres
