#pragma once

#include <string>

#include "util/result.hpp"

namespace talkline::app {

/// The HS256 signing key: `configured` when set, else the key kept in
/// `<data_dir>/jwt.key`, generated (32 random bytes, mode 0600) on first use so tokens
/// stay valid across restarts.
Result<std::string> load_signing_key(const std::string& configured, const std::string& data_dir);

}  // namespace talkline::app
