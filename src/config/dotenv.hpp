#pragma once

#include <string>
#include <string_view>

#include "config/config.hpp"
#include "util/result.hpp"

namespace talkline::config {

/// Parses the text of a `.env` file: `KEY=VALUE` lines, blank lines and `#` comments,
/// an optional `export ` prefix, values bare (a ` #` starts a trailing comment),
/// 'single-quoted' (taken literally) or "double-quoted" (with the escapes \n \r \t \"
/// and \\ understood). A later line for the same key wins. `source` names the file in
/// errors, which carry the line number: "app.env:3: expected KEY=VALUE".
Result<EnvMap> parse_dotenv(std::string_view text, std::string_view source);

/// Reads and parses the file at `path`; a file that cannot be opened is an error.
Result<EnvMap> read_dotenv_file(const std::string& path);

}  // namespace talkline::config
