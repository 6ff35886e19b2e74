#pragma once

#include "config/config.hpp"

namespace talkline::app {

/// Serves HTTP until SIGINT/SIGTERM; returns the process exit code.
int serve(const config::Config& config);

/// `talkline admin create`: creates the user as admin, or promotes an existing one.
int admin_create(const config::Config& config, const std::string& username, const std::string& password);

}  // namespace talkline::app
