#pragma once

// What every throwaway test server (PostgreSQL, Redis) needs before it starts.

#include <filesystem>
#include <string_view>

namespace talkline::testing {

/// A TCP port on 127.0.0.1 that nothing listens on right now. Throws when none is found.
int free_loopback_port();

/// A fresh directory under the system temp dir, named `<prefix>-XXXXXX`. Throws on failure.
std::filesystem::path make_temp_dir(std::string_view prefix);

}  // namespace talkline::testing
