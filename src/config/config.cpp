#include "config/config.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <string_view>
#include <system_error>

#include <CLI/CLI.hpp>

#include "config/dotenv.hpp"
#include "util/ip_address.hpp"
#include "util/log.hpp"

extern char** environ;  // NOLINT(readability-redundant-declaration): POSIX declares it nowhere standard

#ifndef TALKLINE_VERSION
#define TALKLINE_VERSION "0.1.0"
#endif

namespace talkline::config {
namespace {

constexpr std::string_view kEnvPrefix = "TALKLINE_";
constexpr std::string_view kEnvFileKey = "TALKLINE_ENV_FILE";
constexpr std::string_view kDefaultEnvFile = "./.env";

/// What is wrong with a value, phrased to follow "KEY: "; nothing when it was applied.
using Problem = std::optional<std::string>;

// A value quoted back in an error: short, and without control characters that could
// garble a terminal or a log line.
std::string shown_value(std::string_view raw) {
  constexpr std::size_t kMaxShown = 64;
  std::string out = "'";
  for (const char c : raw.substr(0, kMaxShown)) {
    const auto u = static_cast<unsigned char>(c);
    out.push_back(u < 0x20 || u == 0x7F ? '?' : c);
  }
  if (raw.size() > kMaxShown) out += "...";
  out.push_back('\'');
  return out;
}

template <typename T>
Problem set_integer(T& field, const std::string& raw, long long low, long long high) {
  long long value = 0;
  const char* const end = raw.data() + raw.size();
  const auto [stop, ec] = std::from_chars(raw.data(), end, value);
  if (raw.empty() || ec != std::errc{} || stop != end || value < low || value > high) {
    return "must be an integer in [" + std::to_string(low) + ", " + std::to_string(high) + "] (got " +
           shown_value(raw) + ")";
  }
  field = static_cast<T>(value);
  return std::nullopt;
}

constexpr double kMillisPerDay = 86'400'000.0;

// A number of days that may have a fraction ("0.5" is twelve hours), so a short
// retention can be tried out without a unit of its own.
Problem set_days(double& field, const std::string& raw, double high) {
  double value = 0;
  const char* const end = raw.data() + raw.size();
  const auto [stop, ec] = std::from_chars(raw.data(), end, value);
  if (raw.empty() || ec != std::errc{} || stop != end || !(value >= 0 && value <= high)) {
    return "must be a number of days from 0 to " + std::to_string(static_cast<long long>(high)) +
           ", fractions allowed (got " + shown_value(raw) + ")";
  }
  // The stores count whole ms, and 0 ms means "keep forever": a tiny positive value must
  // not turn into that silently.
  if (value > 0 && std::llround(value * kMillisPerDay) == 0) {
    return "must be 0 (keep forever) or at least 1 ms once counted in ms (got " + shown_value(raw) + ")";
  }
  field = value;
  return std::nullopt;
}

std::string days_number(double value) {
  char out[32];
  const auto [end, ec] = std::to_chars(out, out + sizeof out, value);
  return ec == std::errc{} ? std::string(out, end) : std::to_string(value);
}

std::string lowercase(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

Problem set_bool(bool& field, const std::string& raw) {
  const std::string value = lowercase(raw);
  if (value == "true" || value == "1" || value == "yes" || value == "on") {
    field = true;
  } else if (value == "false" || value == "0" || value == "no" || value == "off") {
    field = false;
  } else {
    return "must be true or false (got " + shown_value(raw) + ")";
  }
  return std::nullopt;
}

Problem set_nonempty(std::string& field, const std::string& raw) {
  if (raw.empty()) return "must not be empty";
  if (std::any_of(raw.begin(), raw.end(), [](unsigned char c) { return c <= 0x20 || c == 0x7F; })) {
    return "must not contain spaces or control characters (got " + shown_value(raw) + ")";
  }
  field = raw;
  return std::nullopt;
}

// A directory that may be switched off: "off" and "" both mean none.
Problem set_optional_dir(std::string& field, const std::string& raw) {
  field = raw == "off" ? std::string() : raw;
  return std::nullopt;
}

Problem set_choice(std::string& field, const std::string& raw, std::initializer_list<std::string_view> choices) {
  for (const auto choice : choices) {
    if (raw == choice) {
      field = raw;
      return std::nullopt;
    }
  }
  std::string list;
  for (const auto choice : choices) {
    if (!list.empty()) list += ", ";
    list += choice;
  }
  return "must be one of " + list + " (got " + shown_value(raw) + ")";
}

bool starts_with_nonempty_rest(std::string_view raw, std::string_view prefix) {
  return raw.size() > prefix.size() && raw.substr(0, prefix.size()) == prefix;
}

// Store and bus URLs may hold a password, so the value is not echoed back.
Problem set_store(std::string& field, const std::string& raw) {
  if (raw != "sqlite" && !starts_with_nonempty_rest(raw, "postgres://") &&
      !starts_with_nonempty_rest(raw, "postgresql://")) {
    return "must be 'sqlite' or a postgres:// or postgresql:// URL";
  }
  field = raw;
  return std::nullopt;
}

Problem set_bus(std::string& field, const std::string& raw) {
  if (raw != "local" && !starts_with_nonempty_rest(raw, "redis://")) return "must be 'local' or a redis:// URL";
  field = raw;
  return std::nullopt;
}

// Plain http:// only: the notifier has no TLS client (docs/HLD.md); empty turns it off.
Problem set_webhook_url(std::string& field, const std::string& raw) {
  if (!raw.empty() && lowercase(raw.substr(0, 8)) == "https://") {
    return "https:// is not supported; point it at a TLS-terminating relay on http://";
  }
  if (!raw.empty() && (lowercase(raw.substr(0, 7)) != "http://" || raw.size() == 7)) {
    return "must be empty or an http:// URL (got " + shown_value(raw) + ")";
  }
  if (std::any_of(raw.begin(), raw.end(), [](unsigned char c) { return c <= 0x20 || c == 0x7F; })) {
    return "must not contain spaces or control characters";
  }
  field = raw;
  return std::nullopt;
}

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// An origin as browsers send it: scheme://host[:port], with no path, query or
// trailing slash, since the Origin header is compared against these verbatim.
bool valid_origin(std::string_view origin) {
  const auto separator = origin.find("://");
  if (separator == std::string_view::npos || separator == 0) return false;
  const std::string_view scheme = origin.substr(0, separator);
  if (!is_alpha(scheme.front())) return false;
  for (const char c : scheme) {
    if (!is_alpha(c) && !is_digit(c) && c != '+' && c != '-' && c != '.') return false;
  }
  std::string_view rest = origin.substr(separator + 3);
  std::string_view host;
  if (!rest.empty() && rest.front() == '[') {
    const auto close = rest.find(']');
    if (close == std::string_view::npos || close == 1) return false;
    for (const char c : rest.substr(1, close - 1)) {
      if (!is_digit(c) && !(c >= 'a' && c <= 'f') && !(c >= 'A' && c <= 'F') && c != ':' && c != '.') return false;
    }
    host = rest.substr(0, close + 1);
    rest.remove_prefix(close + 1);
  } else {
    const auto colon = rest.find(':');
    host = rest.substr(0, colon);
    if (host.empty()) return false;
    for (const char c : host) {
      if (!is_alpha(c) && !is_digit(c) && c != '-' && c != '.') return false;
    }
    rest.remove_prefix(host.size());
  }
  if (rest.empty()) return true;
  if (rest.front() != ':' || rest.size() < 2 || rest.size() > 6) return false;
  rest.remove_prefix(1);
  int port = 0;
  const auto [stop, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), port);
  return ec == std::errc{} && stop == rest.data() + rest.size() && is_digit(rest.front()) && port >= 1 && port <= 65535;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// Comma-separated, blanks around items ignored. An empty value is an empty list
// (no cross-origin access at all); an empty item between commas is a mistake.
Problem set_cors(std::vector<std::string>& field, const std::string& raw) {
  std::vector<std::string> origins;
  if (!trim(raw).empty()) {
    std::string_view rest = raw;
    while (true) {
      const auto comma = rest.find(',');
      const std::string_view item = trim(rest.substr(0, comma));
      if (item.empty()) return "empty origin in list (got " + shown_value(raw) + ")";
      if (item != "*" && !valid_origin(item)) {
        return "each origin must be '*' or scheme://host[:port] without a path (got " + shown_value(item) + ")";
      }
      origins.emplace_back(item);
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  field = std::move(origins);
  return std::nullopt;
}

// Comma-separated media types (type/subtype, compared lower-case); empty allows none.
Problem set_media_types(std::vector<std::string>& field, const std::string& raw) {
  std::vector<std::string> types;
  if (!trim(raw).empty()) {
    std::string_view rest = raw;
    while (true) {
      const auto comma = rest.find(',');
      const std::string type = lowercase(trim(rest.substr(0, comma)));
      const auto slash = type.find('/');
      const bool valid = slash != std::string::npos && slash > 0 && slash + 1 < type.size() &&
                         type.find('/', slash + 1) == std::string::npos &&
                         std::all_of(type.begin(), type.end(), [](unsigned char c) {
                           return std::isalnum(c) || c == '/' || c == '.' || c == '+' || c == '-' || c == '_';
                         });
      if (!valid) return "each entry must be a media type like image/png (got " + shown_value(type) + ")";
      types.push_back(type);
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  field = std::move(types);
  return std::nullopt;
}

// Comma-separated addresses or CIDR blocks; empty trusts nobody.
Problem set_trusted_proxies(std::vector<std::string>& field, const std::string& raw) {
  std::vector<std::string> entries;
  if (!trim(raw).empty()) {
    std::string_view rest = raw;
    while (true) {
      const auto comma = rest.find(',');
      const std::string_view item = trim(rest.substr(0, comma));
      if (item.empty()) return "empty entry in list (got " + shown_value(raw) + ")";
      if (!util::parse_ip_network(item)) {
        return "each entry must be an IP address or a CIDR block like 10.0.0.0/8 or fd00::/8 (got " +
               shown_value(item) + ")";
      }
      entries.emplace_back(item);
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  field = std::move(entries);
  return std::nullopt;
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out.push_back(',');
    out += item;
  }
  return out;
}

/// One configurable field: its flag is --name, its environment key TALKLINE_NAME.
struct Setting {
  const char* name;
  const char* group;
  const char* help;
  std::string (*current)(const Config&);
  Problem (*apply)(Config&, const std::string&);
  bool is_bool = false;
};

std::string text(const std::string& value) { return value; }
template <typename T>
std::string number(T value) {
  return std::to_string(value);
}

constexpr const char* kListen = "Listening";
constexpr const char* kStorage = "Storage and identity";
constexpr const char* kHttp = "HTTP limits and timeouts";
constexpr const char* kAuth = "Authentication";
constexpr const char* kDomain = "Domain limits";
constexpr const char* kRealtime = "Real-time gateway";
constexpr const char* kJobs = "Background jobs";
constexpr const char* kAttachments = "Attachments";
constexpr const char* kWeb = "Web client and API explorer";
constexpr const char* kLogging = "Logging";

// The single list of settings. Flags, environment keys, help and validation are all
// derived from it, so a field cannot get one without the others.
const std::vector<Setting>& settings() {
  static const std::vector<Setting> all = {
      {"host", kListen, "Address to listen on", [](const Config& c) { return text(c.host); },
       [](Config& c, const std::string& v) { return set_nonempty(c.host, v); }},
      {"port", kListen, "TCP port (0 picks a free one)", [](const Config& c) { return number(c.port); },
       [](Config& c, const std::string& v) { return set_integer(c.port, v, 0, 65535); }},
      {"threads", kListen, "Event loops, one thread each (0 = one per core)",
       [](const Config& c) { return number(c.threads); },
       [](Config& c, const std::string& v) { return set_integer(c.threads, v, 0, 256); }},
      {"worker-threads", kListen, "Threads for blocking store calls",
       [](const Config& c) { return number(c.worker_threads); },
       [](Config& c, const std::string& v) { return set_integer(c.worker_threads, v, 1, 1024); }},

      {"data-dir", kStorage, "Directory for the SQLite file and the generated JWT key",
       [](const Config& c) { return text(c.data_dir); },
       [](Config& c, const std::string& v) { return set_nonempty(c.data_dir, v); }},
      {"store", kStorage, "'sqlite' (a file in the data dir) or a postgres:// URL",
       [](const Config& c) { return text(c.store); },
       [](Config& c, const std::string& v) { return set_store(c.store, v); }},
      {"bus", kStorage, "'local' (in-process, one node) or redis://[:password@]host:port for several nodes",
       [](const Config& c) { return text(c.bus); }, [](Config& c, const std::string& v) { return set_bus(c.bus, v); }},
      {"rate-limit-timeout-ms", kStorage,
       "With a redis:// bus: longest wait for Redis on a rate-limit decision; past it this node's own buckets decide",
       [](const Config& c) { return number(c.rate_limit_timeout_ms); },
       [](Config& c, const std::string& v) { return set_integer(c.rate_limit_timeout_ms, v, 10, 60000); }},
      {"rate-limit-lease-tokens", kStorage,
       "With a redis:// bus: whole tokens a node takes beyond the cost of a message:send from the user's shared "
       "bucket, to answer the user's next sends without asking Redis (at most a quarter of the bucket; 0 = none)",
       [](const Config& c) { return number(c.rate_limit_lease_tokens); },
       [](Config& c, const std::string& v) { return set_integer(c.rate_limit_lease_tokens, v, 0, 1000000); }},
      {"rate-limit-lease-ms", kStorage,
       "With a redis:// bus: how long a node keeps leased tokens before giving back what is left",
       [](const Config& c) { return number(c.rate_limit_lease_ms); },
       [](Config& c, const std::string& v) { return set_integer(c.rate_limit_lease_ms, v, 1, 60000); }},
      {"presence-ttl-seconds", kStorage,
       "With a Redis bus: presence entries live this long unrefreshed, so a crashed node's users go offline within it",
       [](const Config& c) { return number(c.presence_ttl_seconds); },
       [](Config& c, const std::string& v) { return set_integer(c.presence_ttl_seconds, v, 2, 3600); }},
      {"redis-connect-timeout-ms", kStorage, "With a redis:// bus: longest wait for a new connection to Redis",
       [](const Config& c) { return number(c.redis_connect_timeout_ms); },
       [](Config& c, const std::string& v) { return set_integer(c.redis_connect_timeout_ms, v, 10, 60000); }},
      {"redis-io-timeout-ms", kStorage,
       "With a redis:// bus: a Redis reply later than this means the connection is dead; it is made again",
       [](const Config& c) { return number(c.redis_io_timeout_ms); },
       [](Config& c, const std::string& v) { return set_integer(c.redis_io_timeout_ms, v, 100, 60000); }},
      {"redis-backoff-min-ms", kStorage,
       "With a redis:// bus: first wait before connecting to Redis again (doubles per failed attempt)",
       [](const Config& c) { return number(c.redis_backoff_min_ms); },
       [](Config& c, const std::string& v) { return set_integer(c.redis_backoff_min_ms, v, 1, 60000); }},
      {"redis-backoff-max-ms", kStorage, "With a redis:// bus: longest wait between attempts to connect to Redis",
       [](const Config& c) { return number(c.redis_backoff_max_ms); },
       [](Config& c, const std::string& v) { return set_integer(c.redis_backoff_max_ms, v, 1, 600000); }},
      {"node-id", kStorage,
       "Node number in generated ids, unique per node: 0-1023, or 'auto' (0 on one node; leased in Redis with a "
       "redis:// bus)",
       [](const Config& c) { return c.node_id == Config::kAutoNodeId ? std::string("auto") : number(c.node_id); },
       [](Config& c, const std::string& v) -> Problem {
         if (v == "auto") {
           c.node_id = Config::kAutoNodeId;
           return std::nullopt;
         }
         return set_integer(c.node_id, v, 0, 1023);
       }},
      {"node-address", kStorage,
       "host:port where the other nodes reach this one (forwarded long-polling); empty = 127.0.0.1 and the "
       "listening port when listening on all addresses, else the listen address",
       [](const Config& c) { return text(c.node_address); },
       [](Config& c, const std::string& v) -> Problem {
         if (!v.empty() && (v.rfind(':') == std::string::npos || v.back() == ':')) return "must be host:port";
         c.node_address = v;
         return std::nullopt;
       }},
      {"node-lease-seconds", kStorage,
       "With a redis:// bus: how long this node's id and address stay registered in Redis without a renewal",
       [](const Config& c) { return number(c.node_lease_seconds); },
       [](Config& c, const std::string& v) { return set_integer(c.node_lease_seconds, v, 3, 3600); }},
      {"sqlite-synchronous", kStorage, "SQLite durability: full or normal",
       [](const Config& c) { return text(c.sqlite_synchronous); },
       [](Config& c, const std::string& v) {
         return set_choice(c.sqlite_synchronous, v, {"full", "normal"});
       }},
      {"sqlite-cache-mib", kStorage, "SQLite writer's page cache, MiB (a group commit touches pages all over the file)",
       [](const Config& c) { return number(c.sqlite_cache_mib); },
       [](Config& c, const std::string& v) { return set_integer(c.sqlite_cache_mib, v, 1, 65536); }},
      {"sqlite-checkpoint-pages", kStorage,
       "WAL size in pages past which a background thread folds it into the database file",
       [](const Config& c) { return number(c.sqlite_checkpoint_pages); },
       [](Config& c, const std::string& v) { return set_integer(c.sqlite_checkpoint_pages, v, 100, 10000000); }},
      {"sqlite-commit-window-us", kStorage,
       "Microseconds the SQLite writer waits for more writes before a commit of only a few (0 = none)",
       [](const Config& c) { return number(c.sqlite_commit_window_us); },
       [](Config& c, const std::string& v) { return set_integer(c.sqlite_commit_window_us, v, 0, 100000); }},
      {"backup-step-pages", kStorage, "Pages `talkline admin backup` copies per step of SQLite's online backup",
       [](const Config& c) { return number(c.backup_step_pages); },
       [](Config& c, const std::string& v) { return set_integer(c.backup_step_pages, v, 1, 1000000); }},
      {"backup-step-pause-ms", kStorage,
       "Milliseconds `talkline admin backup` rests between two steps, leaving the disk to the server",
       [](const Config& c) { return number(c.backup_step_pause_ms); },
       [](Config& c, const std::string& v) { return set_integer(c.backup_step_pause_ms, v, 0, 10000); }},
      {"postgres-commit-window-us", kStorage,
       "Microseconds a PostgreSQL append writer waits for more sends before a commit of only a few (0 = none)",
       [](const Config& c) { return number(c.postgres_commit_window_us); },
       [](Config& c, const std::string& v) { return set_integer(c.postgres_commit_window_us, v, 0, 100000); }},
      {"postgres-append-writers", kStorage,
       "PostgreSQL send writers, each a thread and a connection; a conversation always uses the same one "
       "(0 = one per core it may run on)",
       [](const Config& c) { return number(c.postgres_append_writers); },
       [](Config& c, const std::string& v) { return set_integer(c.postgres_append_writers, v, 0, 256); }},

      {"max-body-bytes", kHttp, "Largest accepted request body",
       [](const Config& c) { return number(c.max_body_bytes); },
       [](Config& c, const std::string& v) { return set_integer(c.max_body_bytes, v, 1, 1LL << 30); }},
      {"header-timeout-seconds", kHttp, "Time allowed to receive request headers",
       [](const Config& c) { return number(c.header_timeout_seconds); },
       [](Config& c, const std::string& v) { return set_integer(c.header_timeout_seconds, v, 1, 3600); }},
      {"idle-timeout-seconds", kHttp, "Idle keep-alive connections are closed after this",
       [](const Config& c) { return number(c.idle_timeout_seconds); },
       [](Config& c, const std::string& v) { return set_integer(c.idle_timeout_seconds, v, 1, 86400); }},
      {"request-timeout-seconds", kHttp, "Time allowed for one request",
       [](const Config& c) { return number(c.request_timeout_seconds); },
       [](Config& c, const std::string& v) { return set_integer(c.request_timeout_seconds, v, 1, 3600); }},
      {"shutdown-grace-seconds", kHttp, "Time given to open requests on shutdown",
       [](const Config& c) { return number(c.shutdown_grace_seconds); },
       [](Config& c, const std::string& v) { return set_integer(c.shutdown_grace_seconds, v, 0, 3600); }},
      {"cors-origins", kHttp, "Allowed browser origins, comma separated ('*' = any)",
       [](const Config& c) { return join(c.cors_origins); },
       [](Config& c, const std::string& v) { return set_cors(c.cors_origins, v); }},
      {"behind-tls", kHttp, "Set when TLS terminates in front of us; enables HSTS",
       [](const Config& c) { return std::string(c.behind_tls ? "true" : "false"); },
       [](Config& c, const std::string& v) { return set_bool(c.behind_tls, v); }, true},
      {"hsts-max-age-seconds", kHttp, "HSTS max-age when behind TLS",
       [](const Config& c) { return number(c.hsts_max_age_seconds); },
       [](Config& c, const std::string& v) { return set_integer(c.hsts_max_age_seconds, v, 0, 315360000); }},
      {"max-connections", kHttp, "Open connections accepted at once",
       [](const Config& c) { return number(c.max_connections); },
       [](Config& c, const std::string& v) { return set_integer(c.max_connections, v, 1, 1000000); }},
      {"loop-lag-probe-ms", kHttp,
       "How often each event loop measures its own lag for /metrics, in milliseconds (0 = off)",
       [](const Config& c) { return number(c.loop_lag_probe_ms); },
       [](Config& c, const std::string& v) { return set_integer(c.loop_lag_probe_ms, v, 0, 60000); }},
      {"trusted-proxies", kHttp,
       "Proxy addresses/CIDRs, comma separated, whose X-Forwarded-For names the client (empty = trust nobody)",
       [](const Config& c) { return join(c.trusted_proxies); },
       [](Config& c, const std::string& v) { return set_trusted_proxies(c.trusted_proxies, v); }},

      {"jwt-secret", kAuth, "HS256 key, at least 32 bytes (empty = generated and kept in the data dir)",
       [](const Config& c) { return text(c.jwt_secret); },
       [](Config& c, const std::string& v) -> Problem {
         if (!v.empty() && v.size() < 32) {
           return "must be at least 32 bytes (got " + std::to_string(v.size()) + ")";
         }
         c.jwt_secret = v;
         return std::nullopt;
       }},
      {"jwt-issuer", kAuth, "iss claim of issued tokens", [](const Config& c) { return text(c.jwt_issuer); },
       [](Config& c, const std::string& v) { return set_nonempty(c.jwt_issuer, v); }},
      {"jwt-audience", kAuth, "aud claim of issued tokens", [](const Config& c) { return text(c.jwt_audience); },
       [](Config& c, const std::string& v) { return set_nonempty(c.jwt_audience, v); }},
      {"access-token-ttl-seconds", kAuth, "Lifetime of access tokens",
       [](const Config& c) { return number(c.access_token_ttl_seconds); },
       [](Config& c, const std::string& v) { return set_integer(c.access_token_ttl_seconds, v, 1, 86400); }},
      {"refresh-token-ttl-seconds", kAuth, "Lifetime of refresh tokens (a login session)",
       [](const Config& c) { return number(c.refresh_token_ttl_seconds); },
       [](Config& c, const std::string& v) { return set_integer(c.refresh_token_ttl_seconds, v, 1, 31536000); }},
      {"argon2-memory-kib", kAuth, "argon2id memory cost in KiB (at least 8192)",
       [](const Config& c) { return number(c.argon2_memory_kib); },
       [](Config& c, const std::string& v) { return set_integer(c.argon2_memory_kib, v, 8192, 4194304); }},
      {"argon2-iterations", kAuth, "argon2id passes", [](const Config& c) { return number(c.argon2_iterations); },
       [](Config& c, const std::string& v) { return set_integer(c.argon2_iterations, v, 1, 64); }},
      {"argon2-parallelism", kAuth, "argon2id lanes", [](const Config& c) { return number(c.argon2_parallelism); },
       [](Config& c, const std::string& v) { return set_integer(c.argon2_parallelism, v, 1, 64); }},
      {"login-failures-per-username", kAuth, "Failed logins allowed per username per window",
       [](const Config& c) { return number(c.login_failures_per_username); },
       [](Config& c, const std::string& v) { return set_integer(c.login_failures_per_username, v, 1, 1000000); }},
      {"login-failures-per-ip", kAuth, "Failed logins allowed per client address per window",
       [](const Config& c) { return number(c.login_failures_per_ip); },
       [](Config& c, const std::string& v) { return set_integer(c.login_failures_per_ip, v, 1, 1000000); }},
      {"login-failure-window-seconds", kAuth, "Window of the failed-login limits",
       [](const Config& c) { return number(c.login_failure_window_seconds); },
       [](Config& c, const std::string& v) { return set_integer(c.login_failure_window_seconds, v, 1, 86400); }},
      {"registrations-per-ip-per-hour", kAuth, "Accounts that one client address may register per hour",
       [](const Config& c) { return number(c.registrations_per_ip_per_hour); },
       [](Config& c, const std::string& v) { return set_integer(c.registrations_per_ip_per_hour, v, 1, 1000000); }},
      {"admin-username", kAuth, "Admin account created or promoted at start (empty = none)",
       [](const Config& c) { return text(c.admin_username); },
       [](Config& c, const std::string& v) -> Problem {
         if (std::any_of(v.begin(), v.end(), [](unsigned char ch) { return ch < 0x20 || ch == 0x7F; })) {
           return "must not contain control characters";
         }
         c.admin_username = v;
         return std::nullopt;
       }},
      {"admin-password", kAuth, "Password for a newly created admin account",
       [](const Config& c) { return text(c.admin_password); },
       [](Config& c, const std::string& v) -> Problem {
         c.admin_password = v;
         return std::nullopt;
       }},

      {"message-max-chars", kDomain, "Longest message body, in code points",
       [](const Config& c) { return number(c.message_max_chars); },
       [](Config& c, const std::string& v) { return set_integer(c.message_max_chars, v, 1, 100000); }},
      {"edit-window-seconds", kDomain, "How long after sending its author may edit a message (0: no limit)",
       [](const Config& c) { return number(c.edit_window_seconds); },
       [](Config& c, const std::string& v) { return set_integer(c.edit_window_seconds, v, 0, 315360000); }},
      {"reaction-max-bytes", kDomain, "Longest reaction (an emoji or a short code), in UTF-8 bytes",
       [](const Config& c) { return number(c.reaction_max_bytes); },
       [](Config& c, const std::string& v) { return set_integer(c.reaction_max_bytes, v, 4, 256); }},
      {"reactions-per-message", kDomain, "Most different reactions one message can carry",
       [](const Config& c) { return number(c.reactions_per_message); },
       [](Config& c, const std::string& v) { return set_integer(c.reactions_per_message, v, 1, 1000); }},
      {"pins-per-conversation", kDomain, "Most messages pinned in one conversation at once",
       [](const Config& c) { return number(c.pins_per_conversation); },
       [](Config& c, const std::string& v) { return set_integer(c.pins_per_conversation, v, 1, 1000); }},
      {"mentions-per-message", kDomain, "Most different @usernames resolved in one message; later ones are ignored",
       [](const Config& c) { return number(c.mentions_per_message); },
       [](Config& c, const std::string& v) { return set_integer(c.mentions_per_message, v, 0, 1000); }},
      {"reply-preview-chars", kDomain, "Code points of the answered message a reply's preview shows",
       [](const Config& c) { return number(c.reply_preview_chars); },
       [](Config& c, const std::string& v) { return set_integer(c.reply_preview_chars, v, 1, 4000); }},
      {"title-max-chars", kDomain, "Longest conversation title, in code points",
       [](const Config& c) { return number(c.title_max_chars); },
       [](Config& c, const std::string& v) { return set_integer(c.title_max_chars, v, 1, 1024); }},
      {"group-max-members", kDomain, "Largest group conversation",
       [](const Config& c) { return number(c.group_max_members); },
       [](Config& c, const std::string& v) { return set_integer(c.group_max_members, v, 2, 100000); }},
      {"page-max-limit", kDomain, "Largest page a list call returns",
       [](const Config& c) { return number(c.page_max_limit); },
       [](Config& c, const std::string& v) { return set_integer(c.page_max_limit, v, 1, 1000); }},
      {"requests-per-minute-per-ip", kDomain, "General HTTP request limit per client address (0 = off)",
       [](const Config& c) { return number(c.requests_per_minute_per_ip); },
       [](Config& c, const std::string& v) { return set_integer(c.requests_per_minute_per_ip, v, 0, 10000000); }},

      {"ping-interval-ms", kRealtime, "Engine.IO ping interval, in milliseconds",
       [](const Config& c) { return number(c.ping_interval_ms); },
       [](Config& c, const std::string& v) { return set_integer(c.ping_interval_ms, v, 100, 600000); }},
      {"ping-timeout-ms", kRealtime, "Engine.IO ping timeout: time a client has to answer a ping",
       [](const Config& c) { return number(c.ping_timeout_ms); },
       [](Config& c, const std::string& v) { return set_integer(c.ping_timeout_ms, v, 100, 600000); }},
      {"socket-max-payload-bytes", kRealtime, "Largest accepted Engine.IO payload",
       [](const Config& c) { return number(c.socket_max_payload_bytes); },
       [](Config& c, const std::string& v) { return set_integer(c.socket_max_payload_bytes, v, 1024, 1LL << 26); }},
      {"socket-send-buffer-bytes", kRealtime, "Most outgoing bytes queued for one socket",
       [](const Config& c) { return number(c.socket_send_buffer_bytes); },
       [](Config& c, const std::string& v) { return set_integer(c.socket_send_buffer_bytes, v, 4096, 1LL << 30); }},
      {"socket-connect-timeout-ms", kRealtime, "Time a client has to connect to a namespace after the handshake",
       [](const Config& c) { return number(c.socket_connect_timeout_ms); },
       [](Config& c, const std::string& v) { return set_integer(c.socket_connect_timeout_ms, v, 100, 600000); }},
      {"max-connections-per-user", kRealtime, "Open sockets allowed per user",
       [](const Config& c) { return number(c.max_connections_per_user); },
       [](Config& c, const std::string& v) { return set_integer(c.max_connections_per_user, v, 1, 10000); }},
      {"max-connections-per-ip", kRealtime, "Open sockets allowed per client address",
       [](const Config& c) { return number(c.max_connections_per_ip); },
       [](Config& c, const std::string& v) { return set_integer(c.max_connections_per_ip, v, 1, 1000000); }},
      {"socket-idle-timeout-seconds", kRealtime, "Sockets sending no event for this long are closed (0 = never)",
       [](const Config& c) { return number(c.socket_idle_timeout_seconds); },
       [](Config& c, const std::string& v) { return set_integer(c.socket_idle_timeout_seconds, v, 0, 604800); }},
      {"socket-revalidate-seconds", kRealtime, "How often live sockets re-check their session",
       [](const Config& c) { return number(c.socket_revalidate_seconds); },
       [](Config& c, const std::string& v) { return set_integer(c.socket_revalidate_seconds, v, 1, 3600); }},
      {"messages-per-second-per-user", kRealtime, "message:send rate per user (token bucket refill)",
       [](const Config& c) { return number(c.messages_per_second_per_user); },
       [](Config& c, const std::string& v) { return set_integer(c.messages_per_second_per_user, v, 1, 100000); }},
      {"message-burst-per-user", kRealtime, "message:send burst per user (token bucket capacity)",
       [](const Config& c) { return number(c.message_burst_per_user); },
       [](Config& c, const std::string& v) { return set_integer(c.message_burst_per_user, v, 1, 1000000); }},
      {"typing-throttle-ms", kRealtime, "Least time between relayed typing events",
       [](const Config& c) { return number(c.typing_throttle_ms); },
       [](Config& c, const std::string& v) { return set_integer(c.typing_throttle_ms, v, 0, 60000); }},
      {"typing-expiry-ms", kRealtime, "A typing indicator ends after this without a new event",
       [](const Config& c) { return number(c.typing_expiry_ms); },
       [](Config& c, const std::string& v) { return set_integer(c.typing_expiry_ms, v, 100, 600000); }},
      {"gap-fill-delay-ms", kRealtime,
       "A live message ahead of a missing one waits this long for it before it is read from the store",
       [](const Config& c) { return number(c.gap_fill_delay_ms); },
       [](Config& c, const std::string& v) { return set_integer(c.gap_fill_delay_ms, v, 1, 60000); }},
      {"sync-page-size", kRealtime, "Messages per page when a reconnecting client catches up",
       [](const Config& c) { return number(c.sync_page_size); },
       [](Config& c, const std::string& v) { return set_integer(c.sync_page_size, v, 1, 1000); }},
      {"realtime-workers", kRealtime, "Threads for the store reads behind socket events (0 = one per core)",
       [](const Config& c) { return number(c.realtime_workers); },
       [](Config& c, const std::string& v) { return set_integer(c.realtime_workers, v, 0, 256); }},

      {"webhook-url", kJobs,
       "Where the offline notifier POSTs new messages for offline members (http:// only; empty = off)",
       [](const Config& c) { return text(c.webhook_url); },
       [](Config& c, const std::string& v) { return set_webhook_url(c.webhook_url, v); }},
      {"webhook-timeout-ms", kJobs, "Time one webhook request may take, connect to answer",
       [](const Config& c) { return number(c.webhook_timeout_ms); },
       [](Config& c, const std::string& v) { return set_integer(c.webhook_timeout_ms, v, 100, 600000); }},
      {"webhook-max-attempts", kJobs, "Webhook attempts per event before it goes to the dead letters",
       [](const Config& c) { return number(c.webhook_max_attempts); },
       [](Config& c, const std::string& v) { return set_integer(c.webhook_max_attempts, v, 1, 100); }},
      {"webhook-backoff-min-ms", kJobs, "Wait before the first webhook retry (doubles per attempt, with jitter)",
       [](const Config& c) { return number(c.webhook_backoff_min_ms); },
       [](Config& c, const std::string& v) { return set_integer(c.webhook_backoff_min_ms, v, 1, 3600000); }},
      {"webhook-backoff-max-ms", kJobs, "Longest wait between webhook retries",
       [](const Config& c) { return number(c.webhook_backoff_max_ms); },
       [](Config& c, const std::string& v) { return set_integer(c.webhook_backoff_max_ms, v, 1, 86400000); }},
      {"webhook-max-retrying", kJobs,
       "Events waiting for a webhook retry at once; at the bound new ones wait in the log",
       [](const Config& c) { return number(c.webhook_max_retrying); },
       [](Config& c, const std::string& v) { return set_integer(c.webhook_max_retrying, v, 1, 1000000); }},
      {"jobs-reclaim-idle-seconds", kJobs, "Events pending this long on a node are taken over by another",
       [](const Config& c) { return number(c.jobs_reclaim_idle_seconds); },
       [](Config& c, const std::string& v) { return set_integer(c.jobs_reclaim_idle_seconds, v, 1, 86400); }},
      {"event-log-max-len", kJobs, "Events the event log keeps (Redis: MAXLEN ~)",
       [](const Config& c) { return number(c.event_log_max_len); },
       [](Config& c, const std::string& v) { return set_integer(c.event_log_max_len, v, 100, 100000000); }},
      {"event-log-queue-max", kJobs, "Events queued for the event log; past it they are dropped",
       [](const Config& c) { return number(c.event_log_queue_max); },
       [](Config& c, const std::string& v) { return set_integer(c.event_log_queue_max, v, 1, 10000000); }},

      {"retention-days", kJobs,
       "Days a message is kept before the retention sweep erases it (0 = forever; fractions allowed, 0.5 = 12 h)",
       [](const Config& c) { return days_number(c.retention_days); },
       [](Config& c, const std::string& v) { return set_days(c.retention_days, v, 36500); }},
      {"retention-max-days", kJobs, "Longest retention a conversation's admins may set, in days",
       [](const Config& c) { return number(c.retention_max_days); },
       [](Config& c, const std::string& v) { return set_integer(c.retention_max_days, v, 1, 36500); }},
      {"retention-sweep-seconds", kJobs, "Seconds between two runs of the retention sweep",
       [](const Config& c) { return number(c.retention_sweep_seconds); },
       [](Config& c, const std::string& v) { return set_integer(c.retention_sweep_seconds, v, 1, 86400); }},
      {"retention-batch", kJobs, "Messages one retention transaction looks at, at most",
       [](const Config& c) { return number(c.retention_batch); },
       [](Config& c, const std::string& v) { return set_integer(c.retention_batch, v, 1, 100000); }},
      {"blob-backend", kAttachments, "Where uploaded files live: file (a directory) or s3 (a bucket)",
       [](const Config& c) { return text(c.blob_backend); },
       [](Config& c, const std::string& v) {
         return set_choice(c.blob_backend, v, {"file", "s3"});
       }},
      {"blob-dir", kAttachments, "With the file backend: the directory (empty: <data dir>/blobs)",
       [](const Config& c) { return text(c.blob_dir); },
       [](Config& c, const std::string& v) -> Problem {
         c.blob_dir = v;
         return std::nullopt;
       }},
      {"s3-endpoint", kAttachments, "With the s3 backend: the service's http:// or https:// URL",
       [](const Config& c) { return text(c.s3_endpoint); },
       [](Config& c, const std::string& v) -> Problem {
         c.s3_endpoint = v;
         return std::nullopt;
       }},
      {"s3-bucket", kAttachments, "With the s3 backend: the bucket", [](const Config& c) { return text(c.s3_bucket); },
       [](Config& c, const std::string& v) -> Problem {
         c.s3_bucket = v;
         return std::nullopt;
       }},
      {"s3-region", kAttachments, "With the s3 backend: the region requests are signed for",
       [](const Config& c) { return text(c.s3_region); },
       [](Config& c, const std::string& v) { return set_nonempty(c.s3_region, v); }},
      {"s3-access-key-id", kAttachments, "With the s3 backend: the access key id",
       [](const Config& c) { return text(c.s3_access_key_id); },
       [](Config& c, const std::string& v) -> Problem {
         c.s3_access_key_id = v;
         return std::nullopt;
       }},
      {"s3-secret-access-key", kAttachments, "With the s3 backend: the secret access key",
       [](const Config& c) { return text(c.s3_secret_access_key); },
       [](Config& c, const std::string& v) -> Problem {
         c.s3_secret_access_key = v;
         return std::nullopt;
       }},
      {"s3-key-prefix", kAttachments, "With the s3 backend: put before every key (\"\" or e.g. talkline/)",
       [](const Config& c) { return text(c.s3_key_prefix); },
       [](Config& c, const std::string& v) -> Problem {
         c.s3_key_prefix = v;
         return std::nullopt;
       }},
      {"upload-max-bytes", kAttachments, "Largest upload, in bytes (413 above)",
       [](const Config& c) { return number(c.upload_max_bytes); },
       [](Config& c, const std::string& v) { return set_integer(c.upload_max_bytes, v, 1, 1LL << 40); }},
      {"upload-bytes-per-user-per-day", kAttachments,
       "Bytes one user may upload in 24 hours, deleted files included (0 = no quota)",
       [](const Config& c) { return number(c.upload_bytes_per_user_per_day); },
       [](Config& c, const std::string& v) { return set_integer(c.upload_bytes_per_user_per_day, v, 0, 1LL << 50); }},
      {"upload-allowed-types", kAttachments, "Media types an upload may be stored as, comma separated",
       [](const Config& c) { return join(c.upload_allowed_types); },
       [](Config& c, const std::string& v) { return set_media_types(c.upload_allowed_types, v); }},
      {"attachments-per-message", kAttachments, "Most uploads one message can carry",
       [](const Config& c) { return number(c.attachments_per_message); },
       [](Config& c, const std::string& v) { return set_integer(c.attachments_per_message, v, 1, 100); }},
      {"upload-unattached-ttl-seconds", kAttachments, "An upload no message took is removed after this",
       [](const Config& c) { return number(c.upload_unattached_ttl_seconds); },
       [](Config& c, const std::string& v) {
         return set_integer(c.upload_unattached_ttl_seconds, v, 1, 365LL * 86400);
       }},
      {"upload-sweep-interval-seconds", kAttachments,
       "How often a node removes unattached uploads past their TTL, forgets old usage and frees unused blobs",
       [](const Config& c) { return number(c.upload_sweep_interval_seconds); },
       [](Config& c, const std::string& v) { return set_integer(c.upload_sweep_interval_seconds, v, 1, 86400); }},
      {"upload-sweep-batch", kAttachments,
       "Uploads removed, hours of usage forgotten, or blobs freed, per store call of the sweep",
       [](const Config& c) { return number(c.upload_sweep_batch); },
       [](Config& c, const std::string& v) { return set_integer(c.upload_sweep_batch, v, 1, 100000); }},
      {"thumbnail-max-pixels", kAttachments, "Long side of an image's thumbnail, in pixels",
       [](const Config& c) { return number(c.thumbnail_max_pixels); },
       [](Config& c, const std::string& v) { return set_integer(c.thumbnail_max_pixels, v, 16, 4096); }},
      {"thumbnail-max-source-pixels", kAttachments,
       "Images with more pixels than this (width x height) get no thumbnail",
       [](const Config& c) { return number(c.thumbnail_max_source_pixels); },
       [](Config& c, const std::string& v) { return set_integer(c.thumbnail_max_source_pixels, v, 1, 1LL << 40); }},
      {"downloads-max-concurrent", kAttachments,
       "Attachment downloads streaming at once (503 past it); keep it below worker-threads",
       [](const Config& c) { return number(c.downloads_max_concurrent); },
       [](Config& c, const std::string& v) { return set_integer(c.downloads_max_concurrent, v, 1, 1024); }},

      {"web-dir", kWeb, "Directory served at / (the web client); empty or 'off': / is a 404 like any unknown URL",
       [](const Config& c) { return text(c.web_dir); },
       [](Config& c, const std::string& v) { return set_optional_dir(c.web_dir, v); }},
      {"api-docs-dir", kWeb, "Directory served at /api/v1/docs/ (Swagger UI); empty or 'off': none",
       [](const Config& c) { return text(c.api_docs_dir); },
       [](Config& c, const std::string& v) { return set_optional_dir(c.api_docs_dir, v); }},
      {"web-max-age-seconds", kWeb, "How long browsers may reuse a served non-HTML file without asking again",
       [](const Config& c) { return number(c.web_max_age_seconds); },
       [](Config& c, const std::string& v) { return set_integer(c.web_max_age_seconds, v, 0, 31536000); }},
      {"web-max-file-bytes", kWeb, "Largest file served from those directories (files over 64 KiB stream from disk); larger ones are a 404",
       [](const Config& c) { return number(c.web_max_file_bytes); },
       [](Config& c, const std::string& v) { return set_integer(c.web_max_file_bytes, v, 1, 1LL << 30); }},

      {"log-level", kLogging, "trace, debug, info, warn, error, critical or off",
       [](const Config& c) { return text(c.log_level); },
       [](Config& c, const std::string& v) -> Problem {
         util::log::Level level{};
         if (!util::log::parse_level(v, level)) {
           return "must be one of trace, debug, info, warn, error, critical, off (got " + shown_value(v) + ")";
         }
         c.log_level = v;
         return std::nullopt;
       }},
      {"log-format", kLogging, "json (one object per line) or logfmt",
       [](const Config& c) { return text(c.log_format); },
       [](Config& c, const std::string& v) {
         return set_choice(c.log_format, v, {"json", "logfmt"});
       }},
  };
  return all;
}

std::string env_key(std::string_view name) {
  std::string key(kEnvPrefix);
  for (const char c : name)
    key.push_back(c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  return key;
}

std::string describe(const Setting& setting, const Config& defaults) {
  std::string shown_default = setting.current(defaults);
  if (shown_default.empty()) shown_default = "none";
  return std::string(setting.help) + " [" + env_key(setting.name) + ", default: " + shown_default + "]";
}

Error invalid(std::vector<FieldError> problems) {
  std::string message;
  for (const auto& problem : problems) {
    if (!message.empty()) message += "; ";
    message += problem.field + ": " + problem.message;
  }
  return Error{ErrorCode::invalid_argument, std::move(message), std::move(problems), 0};
}

/// The command line, parsed but not yet interpreted.
struct CommandLine {
  Invocation::Command command = Invocation::Command::serve;
  std::vector<std::optional<std::string>> flag_values;  // by index into settings()
  std::optional<std::string> env_file;
  std::string admin_username;
  std::string admin_password;
  std::string backup_file;
  std::string backup_blobs_dir;
  bool force = false;
  std::string help_text;
};

Result<CommandLine> parse_command_line(int argc, const char* const* argv) {
  const Config defaults;
  const auto& all = settings();

  CLI::App app{"TalkLine: a real-time chat server.", "talkline"};
  app.footer(
      "Every option can also be set with the environment variable shown, or in a .env file.\n"
      "Precedence: flags > environment > .env file > defaults.");
  app.get_formatter()->column_width(40);

  std::vector<std::string> raw(all.size());
  std::vector<CLI::Option*> options(all.size());
  for (std::size_t i = 0; i < all.size(); ++i) {
    const Setting& setting = all[i];
    auto* option = app.add_option(std::string("--") + setting.name, raw[i], describe(setting, defaults));
    option->group(setting.group)->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
    if (setting.is_bool) {
      // `--behind-tls` alone means true; `--behind-tls=false` is also accepted.
      option->expected(0, 1)->type_name("[BOOL]");
    } else if (const std::string value = setting.current(defaults);
               !value.empty() && std::all_of(value.begin(), value.end(), is_digit)) {
      option->type_name("INT");
    }
    options[i] = option;
  }
  std::string env_file;
  auto* env_file_option = app.add_option("--env-file", env_file,
                                         "File of KEY=VALUE lines; the environment and flags override it "
                                         "[TALKLINE_ENV_FILE, default: ./.env if present]");
  env_file_option->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  bool want_version = false;
  auto* version_option = app.add_flag("--version", want_version, "Print the version and exit");

  CommandLine result;
  auto* admin = app.add_subcommand("admin", "Administrative tasks (the full configuration still applies)");
  admin->require_subcommand(1);
  admin->fallthrough();
  auto* create = admin->add_subcommand("create", "Create an admin account, or promote an existing user");
  create->fallthrough();
  create->add_option("--username", result.admin_username, "Account name")->required();
  create->add_option("--password", result.admin_password, "Password; read from stdin when omitted");
  auto* backup = admin->add_subcommand("backup", "Copy the SQLite store (a server may be running on it) to FILE");
  backup->fallthrough();
  backup->add_option("file", result.backup_file, "The backup file to write")->required();
  backup->add_option("--blobs", result.backup_blobs_dir, "Also copy the attachments' files into this directory");
  backup->add_flag("--force", result.force, "Replace FILE if it exists");
  auto* restore = admin->add_subcommand("restore", "Put a backup into the data dir (no server may be running on it)");
  restore->fallthrough();
  restore->add_option("file", result.backup_file, "The backup file to restore")->required();
  restore->add_option("--blobs", result.backup_blobs_dir, "Also restore the attachments' files from this directory");
  restore->add_flag("--force", result.force, "Replace the store the data dir already holds");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    result.command = Invocation::Command::help;
    result.help_text = app.help();
    return result;
  } catch (const CLI::ParseError& e) {
    if (version_option->count() > 0) {
      result.command = Invocation::Command::version;
      return result;
    }
    const std::string message = std::string("command line: ") + e.what();
    return Error{ErrorCode::invalid_argument, message, {{"command line", e.what()}}, 0};
  }

  if (version_option->count() > 0) {
    result.command = Invocation::Command::version;
    return result;
  }
  if (create->parsed()) result.command = Invocation::Command::admin_create;
  if (backup->parsed()) result.command = Invocation::Command::admin_backup;
  if (restore->parsed()) result.command = Invocation::Command::admin_restore;
  result.flag_values.resize(all.size());
  for (std::size_t i = 0; i < all.size(); ++i) {
    if (options[i]->count() == 0) continue;
    // A bare boolean flag arrives as an empty value.
    result.flag_values[i] = all[i].is_bool && raw[i].empty() ? std::string("true") : raw[i];
  }
  if (env_file_option->count() > 0) result.env_file = env_file;
  return result;
}

}  // namespace

EnvMap process_environment() {
  EnvMap env;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    const std::string_view text(*entry);
    const auto equals = text.find('=');
    if (equals == std::string_view::npos || equals == 0) continue;
    env.emplace(std::string(text.substr(0, equals)), std::string(text.substr(equals + 1)));
  }
  return env;
}

Result<Invocation> parse_invocation(int argc, const char* const* argv) {
  return parse_invocation(argc, argv, process_environment());
}

Result<Invocation> parse_invocation(int argc, const char* const* argv, const EnvMap& env) {
  TL_TRY_ASSIGN(CommandLine line, parse_command_line(argc, argv));

  Invocation invocation;
  invocation.command = line.command;
  if (line.command == Invocation::Command::help) {
    invocation.help_text = std::move(line.help_text);
    return invocation;
  }
  if (line.command == Invocation::Command::version) {
    invocation.help_text = "talkline " TALKLINE_VERSION;
    return invocation;
  }
  invocation.admin_username = std::move(line.admin_username);
  invocation.admin_password = std::move(line.admin_password);
  invocation.backup_file = std::move(line.backup_file);
  invocation.backup_blobs_dir = std::move(line.backup_blobs_dir);
  invocation.force = line.force;

  // Find the .env file. Only one named on purpose has to exist.
  std::string env_file(kDefaultEnvFile);
  std::string env_file_source;
  if (line.env_file) {
    env_file = *line.env_file;
    env_file_source = "--env-file";
  } else if (const auto it = env.find(kEnvFileKey); it != env.end() && !it->second.empty()) {
    env_file = it->second;
    env_file_source = kEnvFileKey;
  }
  EnvMap values;
  std::error_code ec;
  if (!env_file_source.empty() || std::filesystem::exists(env_file, ec)) {
    auto loaded = read_dotenv_file(env_file);
    if (!loaded) {
      Error error = loaded.take_error();
      if (!env_file_source.empty()) {
        error.message = env_file_source + ": " + error.message;
        error.fields = {{env_file_source, error.message}};
      }
      return error;
    }
    values = std::move(loaded).value();
    invocation.env_file = env_file;
  }
  // The real environment wins over the file.
  for (const auto& [key, value] : env) values.insert_or_assign(key, value);

  const auto& all = settings();
  std::vector<FieldError> problems;
  for (std::size_t i = 0; i < all.size(); ++i) {
    const Setting& setting = all[i];
    const std::string key = env_key(setting.name);
    std::string source;
    const std::string* raw = nullptr;
    if (line.flag_values[i]) {
      source = std::string("--") + setting.name + " (" + key + ")";
      raw = &*line.flag_values[i];
    } else if (const auto it = values.find(key); it != values.end()) {
      source = key;
      raw = &it->second;
    } else {
      continue;
    }
    if (auto problem = setting.apply(invocation.config, *raw)) problems.push_back({source, std::move(*problem)});
  }

  const Config& config = invocation.config;
  if (!config.admin_password.empty() && config.admin_username.empty()) {
    problems.push_back({"TALKLINE_ADMIN_PASSWORD", "is set but TALKLINE_ADMIN_USERNAME is not"});
  }
  if (config.redis_backoff_max_ms < config.redis_backoff_min_ms) {
    problems.push_back({"TALKLINE_REDIS_BACKOFF_MAX_MS", "must not be below TALKLINE_REDIS_BACKOFF_MIN_MS"});
  }
  if (config.webhook_backoff_max_ms < config.webhook_backoff_min_ms) {
    problems.push_back({"TALKLINE_WEBHOOK_BACKOFF_MAX_MS", "must not be below TALKLINE_WEBHOOK_BACKOFF_MIN_MS"});
  }
  if (config.blob_backend == "s3" && (config.s3_endpoint.empty() || config.s3_bucket.empty())) {
    problems.push_back({"TALKLINE_S3_ENDPOINT",
                        "TALKLINE_S3_ENDPOINT and TALKLINE_S3_BUCKET are needed with "
                        "TALKLINE_BLOB_BACKEND=s3"});
  }
  if (!problems.empty()) return invalid(std::move(problems));

  // A TALKLINE_ key nobody reads is most likely a misspelt one.
  for (const auto& entry : values) {
    const std::string& key = entry.first;
    if (key.size() <= kEnvPrefix.size() || key.compare(0, kEnvPrefix.size(), kEnvPrefix) != 0 || key == kEnvFileKey) {
      continue;
    }
    const bool known = std::any_of(all.begin(), all.end(), [&key](const Setting& s) { return env_key(s.name) == key; });
    if (!known) invocation.warnings.push_back("unknown setting " + key + " ignored");
  }
  return invocation;
}

}  // namespace talkline::config
