#pragma once

#include <string_view>

#include "util/error.hpp"

namespace talkline::store::sqlite {

/// Translates an SQLite result code into the store's error vocabulary: constraint
/// violations are `conflict`, conditions of the engine or the disk (busy, locked, I/O,
/// full, corrupt, out of memory) are `unavailable`, and everything else means our SQL or
/// our use of the API is wrong, so it is `internal`. `detail` is the engine's message.
Error sqlite_error(int extended_code, std::string_view detail);

}  // namespace talkline::store::sqlite
