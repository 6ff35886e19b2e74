#pragma once

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace talkline::util::log {

enum class Format { json, logfmt };
enum class Level { trace, debug, info, warn, error, critical, off };

/// Parses "trace".."off" into `out`; false (and `out` untouched) on unknown names.
bool parse_level(std::string_view name, Level& out);
bool parse_format(std::string_view name, Format& out);

/// Lines are written by a background thread; call before exiting so none are lost.
void flush(std::chrono::milliseconds timeout = std::chrono::milliseconds(1000));

/// Configures the process-wide logger (stderr, thread-safe). May be called again to
/// change level or format; before the first call the logger is info/json.
/// `background` = false writes each line before `write` returns (for tests).
void init(Level level, Format format, bool background = true);

/// Whether a line at `level` would be written now.
bool enabled(Level level);

using Value = std::variant<std::string_view, std::int64_t, double, bool>;
using Field = std::pair<std::string_view, Value>;

/// One structured log line: `event` names what happened; fields are key/value pairs.
/// JSON format: {"ts":..., "level":..., "event":..., <fields>}; logfmt: ts=... level=...
void write(Level level, std::string_view event, std::initializer_list<Field> fields = {});

/// The line `write` would emit at `unix_ms`, without the newline. Exposed for tests.
std::string format_record(Format format, Level level, std::int64_t unix_ms, std::string_view event,
                          std::initializer_list<Field> fields = {});

inline void info(std::string_view event, std::initializer_list<Field> fields = {}) {
  write(Level::info, event, fields);
}
inline void warn(std::string_view event, std::initializer_list<Field> fields = {}) {
  write(Level::warn, event, fields);
}
inline void error(std::string_view event, std::initializer_list<Field> fields = {}) {
  write(Level::error, event, fields);
}
inline void debug(std::string_view event, std::initializer_list<Field> fields = {}) {
  write(Level::debug, event, fields);
}

}  // namespace talkline::util::log
