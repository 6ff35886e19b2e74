#include "util/log.hpp"

#include <atomic>
#include <chrono>
#include <cmath>
#include <memory>
#include <thread>

#include <fmt/format.h>
#include <spdlog/async.h>
#include <spdlog/async_logger.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/stdout_sinks.h>

#include "util/clock.hpp"
#include "util/json.hpp"
#include "util/time.hpp"

namespace talkline::util::log {
namespace {

constexpr std::size_t kQueueLines = 16384;

std::atomic<Level> g_level{Level::info};
std::atomic<Format> g_format{Format::json};

// One logger for the life of the process. `init` only changes the level and format,
// so a re-init (tests do it) never races a writer holding the old logger. We render
// the whole line ourselves; spdlog queues it and a background thread writes it, so
// the event loops that log every request never wait on a slow stderr. A full queue
// drops the oldest lines rather than blocking anyone. It is never destroyed, so
// threads and static destructors can still log during exit.
std::shared_ptr<spdlog::details::thread_pool>& writer_pool() {
  static auto* const pool =
      new std::shared_ptr<spdlog::details::thread_pool>(std::make_shared<spdlog::details::thread_pool>(kQueueLines, 1));
  return *pool;
}

std::atomic<bool> g_background{true};

// The synchronous twin, for callers that must see a line on stderr when `write`
// returns (tests capturing stderr).
spdlog::logger& direct_logger() {
  static spdlog::logger* const instance = [] {
    auto* created = new spdlog::logger("talkline-direct", std::make_shared<spdlog::sinks::stderr_sink_mt>());
    created->set_pattern("%v");
    created->set_level(spdlog::level::trace);
    return created;
  }();
  return *instance;
}

spdlog::logger& logger() {
  if (!g_background.load(std::memory_order_relaxed)) return direct_logger();
  // Held by a shared_ptr because the async logger hands itself to its queue.
  static auto* const instance = [] {
    auto* created = new std::shared_ptr<spdlog::async_logger>(
        std::make_shared<spdlog::async_logger>("talkline", std::make_shared<spdlog::sinks::stderr_sink_mt>(),
                                               writer_pool(), spdlog::async_overflow_policy::overrun_oldest));
    (*created)->set_pattern("%v");
    (*created)->set_level(spdlog::level::trace);
    return created;
  }();
  return **instance;
}

constexpr std::string_view kLevelNames[] = {"trace", "debug", "info", "warn", "error", "critical", "off"};

std::string_view level_name(Level level) { return kLevelNames[static_cast<int>(level)]; }

spdlog::level::level_enum to_spdlog(Level level) {
  switch (level) {
    case Level::trace: return spdlog::level::trace;
    case Level::debug: return spdlog::level::debug;
    case Level::info: return spdlog::level::info;
    case Level::warn: return spdlog::level::warn;
    case Level::error: return spdlog::level::err;
    case Level::critical: return spdlog::level::critical;
    case Level::off: return spdlog::level::off;
  }
  return spdlog::level::info;
}

bool needs_logfmt_quotes(std::string_view text) {
  if (text.empty()) return true;
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (c == ' ' || c == '"' || c == '=' || c == '\\' || u < 0x20 || u == 0x7F) return true;
  }
  return false;
}

void append_logfmt_string(std::string& out, std::string_view text) {
  if (!needs_logfmt_quotes(text)) {
    out += text;
    return;
  }
  out.push_back('"');
  for (const char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) {
          out += fmt::format("\\u{:04x}", static_cast<unsigned>(static_cast<unsigned char>(c)));
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
}

// logfmt keys cannot be quoted, so characters that would split the pair are replaced.
void append_logfmt_key(std::string& out, std::string_view key) {
  if (key.empty()) {
    out.push_back('_');
    return;
  }
  for (const char c : key) {
    const auto u = static_cast<unsigned char>(c);
    out.push_back(c == ' ' || c == '"' || c == '=' || u < 0x20 || u == 0x7F ? '_' : c);
  }
}

void append_value(std::string& out, const Value& value, Format format) {
  if (const auto* text = std::get_if<std::string_view>(&value)) {
    if (format == Format::json) {
      append_json_string(out, *text);
    } else {
      append_logfmt_string(out, *text);
    }
  } else if (const auto* integer = std::get_if<std::int64_t>(&value)) {
    out += fmt::format("{}", *integer);
  } else if (const auto* real = std::get_if<double>(&value)) {
    if (format == Format::json && !std::isfinite(*real)) {
      out += "null";  // JSON has no spelling for NaN or infinity
    } else {
      out += fmt::format("{}", *real);
    }
  } else {
    out += std::get<bool>(value) ? "true" : "false";
  }
}

}  // namespace

bool parse_level(std::string_view name, Level& out) {
  for (int i = 0; i <= static_cast<int>(Level::off); ++i) {
    if (name == kLevelNames[i]) {
      out = static_cast<Level>(i);
      return true;
    }
  }
  return false;
}

bool parse_format(std::string_view name, Format& out) {
  if (name == "json") {
    out = Format::json;
    return true;
  }
  if (name == "logfmt") {
    out = Format::logfmt;
    return true;
  }
  return false;
}

void init(Level level, Format format, bool background) {
  g_background.store(background);
  g_format.store(format);
  g_level.store(level);
  logger();
}

bool enabled(Level level) {
  const Level threshold = g_level.load(std::memory_order_relaxed);
  return level != Level::off && threshold != Level::off && level >= threshold;
}

std::string format_record(Format format, Level level, std::int64_t unix_ms, std::string_view event,
                          std::initializer_list<Field> fields) {
  std::string out;
  out.reserve(96 + event.size());
  if (format == Format::json) {
    out += R"({"ts":")";
    out += format_rfc3339(unix_ms);
    out += R"(","level":")";
    out += level_name(level);
    out += R"(","event":)";
    append_json_string(out, event);
    for (const auto& [key, value] : fields) {
      out.push_back(',');
      append_json_string(out, key);
      out.push_back(':');
      append_value(out, value, format);
    }
    out.push_back('}');
  } else {
    out += "ts=";
    out += format_rfc3339(unix_ms);
    out += " level=";
    out += level_name(level);
    out += " event=";
    append_logfmt_string(out, event);
    for (const auto& [key, value] : fields) {
      out.push_back(' ');
      append_logfmt_key(out, key);
      out.push_back('=');
      append_value(out, value, format);
    }
  }
  return out;
}

void write(Level level, std::string_view event, std::initializer_list<Field> fields) {
  if (!enabled(level)) return;
  static const SystemClock clock;
  const std::string line =
      format_record(g_format.load(std::memory_order_relaxed), level, clock.now_ms(), event, fields);
  logger().log(to_spdlog(level), spdlog::string_view_t(line.data(), line.size()));
}

void flush(std::chrono::milliseconds timeout) {
  logger().flush();
  // The queue drains on its own thread; wait a little for it so the last lines of a
  // stopping process reach stderr.
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (g_background.load() && writer_pool()->queue_size() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

}  // namespace talkline::util::log
