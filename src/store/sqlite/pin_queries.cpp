#include "store/sqlite/pin_queries.hpp"

#include "store/row_mappers.hpp"
#include "store/sqlite/connection.hpp"
#include "store/sqlite/message_views.hpp"

namespace talkline::store::sqlite {

Result<std::vector<model::Pin>> list_pins(Connection& db, model::Id conversation_id) {
  TL_TRY_ASSIGN(Statement query,
                db.prepare("SELECT m.id, m.conversation_id, m.seq, m.sender_id, m.client_msg_id, m.body, m.reply_to,"
                           " m.created_at, m.edited_at, m.change_seq, m.deleted_at, p.pinned_by, p.pinned_at"
                           " FROM message_pins p JOIN messages m"
                           " ON m.conversation_id = p.conversation_id AND m.seq = p.message_seq"
                           " WHERE p.conversation_id = ? ORDER BY p.change_seq DESC"));
  query.bind_all(conversation_id);
  std::vector<model::Pin> pins;
  for (;;) {
    TL_TRY_ASSIGN(bool has_row, query.step());
    if (!has_row) break;
    pins.push_back(model::Pin{read_message(query), query.int64(kMessageColumnCount),
                              query.int64(kMessageColumnCount + 1)});
  }
  TL_TRY(attach_views_within(db, pins, [](model::Pin& pin) -> model::Message& { return pin.message; }));
  return pins;
}

}  // namespace talkline::store::sqlite
