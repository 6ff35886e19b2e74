#include "services/admin_only.hpp"

namespace talkline::services {

Result<model::User> admin_only(store::Store& store, const Principal& caller) {
  TL_TRY_ASSIGN(model::User me, store.user_get(caller.user_id));
  if (me.role != model::Role::admin) return Error::forbidden("administrators only");
  return me;
}

}  // namespace talkline::services
