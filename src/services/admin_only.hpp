#pragma once

#include "model/user.hpp"
#include "services/principal.hpp"
#include "store/store.hpp"
#include "util/result.hpp"

namespace talkline::services {

/// The caller's account when it is an administrator's; `forbidden` "administrators only"
/// otherwise. Reads the role from the store: the one in the access token may be minutes
/// old.
Result<model::User> admin_only(store::Store& store, const Principal& caller);

}  // namespace talkline::services
