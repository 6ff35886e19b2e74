#include "store/postgres/pin_queries.hpp"

#include <string>

#include "store/postgres/message_views.hpp"
#include "store/postgres/params.hpp"
#include "store/postgres/rows.hpp"
#include "store/row_mappers.hpp"

namespace talkline::store::postgres {

Result<std::vector<model::Pin>> list_pins(Executor& db, model::Id conversation_id) {
  TL_TRY_ASSIGN(Rows rows, db.query(std::string("SELECT ") + kMessageColumns +
                                        ", p.pinned_by, p.pinned_at FROM message_pins p JOIN messages m"
                                        " ON m.conversation_id = p.conversation_id AND m.seq = p.message_seq"
                                        " WHERE p.conversation_id = $1 ORDER BY p.change_seq DESC",
                                    Params::of(conversation_id)));
  std::vector<model::Pin> pins;
  pins.reserve(static_cast<std::size_t>(rows.size()));
  for (int row = 0; row < rows.size(); ++row) {
    pins.push_back(model::Pin{read_message(rows.at(row)), rows.int64(row, kMessageColumnCount),
                              rows.int64(row, kMessageColumnCount + 1)});
  }
  TL_TRY(attach_views_within(db, pins, [](model::Pin& pin) -> model::Message& { return pin.message; }));
  return pins;
}

}  // namespace talkline::store::postgres
