#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "util/result.hpp"

namespace talkline::config {

/// Every setting of the server. Each field has a flag (`--port`), an environment key
/// (`TALKLINE_PORT`), and a default; `.env.example` documents them all.
struct Config {
  // listening
  std::string host = "0.0.0.0";
  std::uint16_t port = 8080;
  int threads = 0;          // event loops, one thread each; 0 = one per core
  int worker_threads = 16;  // blocking pool for store calls

  // storage and identity
  std::string data_dir = "./data";
  std::string store = "sqlite";  // "sqlite" or "postgres://..."
  std::string bus = "local";
  // With a Redis bus: the longest wait for a shared rate-limit decision.
  int rate_limit_timeout_ms = 500;
  int rate_limit_lease_tokens = 8;   // message:send tokens a node takes ahead from Redis
  int rate_limit_lease_ms = 1000;    // and holds this long
  int presence_ttl_seconds = 30;  // with a Redis bus: how long a dead node's users still look online
  // With a Redis bus: how every connection to Redis is made, checked and made again.
  int redis_connect_timeout_ms = 1000;
  int redis_io_timeout_ms = 3000;  // a reply (or a subscriber's PING answer) later than this: the connection is dead
  int redis_backoff_min_ms = 50;   // first wait before connecting again, doubled per failed attempt
  int redis_backoff_max_ms = 2000;
  static constexpr int kAutoNodeId = -1;
  int node_id = kAutoNodeId;  // kAutoNodeId: 0 on a single node, leased in Redis otherwise
  std::string node_address;   // empty: derived from host and port
  int node_lease_seconds = 15;
  std::string sqlite_synchronous = "full";  // full | normal
  int sqlite_cache_mib = 64;                // the writer's page cache
  int sqlite_checkpoint_pages = 32768;      // WAL pages before the background checkpoint
  int sqlite_commit_window_us = 1000;       // the writer's wait for more writes to share a commit
  int backup_step_pages = 1024;             // `admin backup`: pages copied per step of the online backup
  int backup_step_pause_ms = 5;             // `admin backup`: rest between steps, so the server keeps the disk
  int postgres_commit_window_us = 1000;     // a PostgreSQL append writer's wait for more sends to share a commit
  int postgres_append_writers = 0;          // send writers, conversations split among them; 0 = one per core

  // HTTP limits and timeouts
  std::size_t max_body_bytes = std::size_t{1024} * 1024;
  int header_timeout_seconds = 10;
  int idle_timeout_seconds = 60;
  int request_timeout_seconds = 30;
  int shutdown_grace_seconds = 10;
  std::vector<std::string> cors_origins = {"*"};
  bool behind_tls = false;  // enables HSTS
  int hsts_max_age_seconds = 31536000;
  int max_connections = 10000;
  int loop_lag_probe_ms = 500;               // each event loop's lag probe for /metrics; 0 = off
  std::vector<std::string> trusted_proxies;  // IPs / CIDRs whose X-Forwarded-For names the client

  // auth
  std::string jwt_secret;  // empty: generated and kept in data_dir/jwt.key
  std::string jwt_issuer = "talkline";
  std::string jwt_audience = "talkline";
  int access_token_ttl_seconds = 900;
  int refresh_token_ttl_seconds = 30 * 24 * 3600;
  std::uint32_t argon2_memory_kib = 19 * 1024;
  std::uint32_t argon2_iterations = 2;
  std::uint32_t argon2_parallelism = 1;
  int login_failures_per_username = 10;  // per login_failure_window
  int login_failures_per_ip = 50;
  int login_failure_window_seconds = 300;
  int registrations_per_ip_per_hour = 100;
  std::string admin_username;  // created (or promoted) at start when set
  std::string admin_password;

  // domain limits
  int message_max_chars = 4000;
  int title_max_chars = 128;
  int group_max_members = 1000;
  int page_max_limit = 100;
  int edit_window_seconds = 172800;  // 0: a message can be edited at any age
  int reaction_max_bytes = 32;       // an emoji with modifiers, or a short code
  int reactions_per_message = 50;    // different emoji on one message
  int pins_per_conversation = 50;
  int mentions_per_message = 50;          // distinct @usernames resolved; later ones are ignored
  int reply_preview_chars = 100;          // code points of the answered body in a reply's preview
  int requests_per_minute_per_ip = 6000;  // 0 disables the general per-IP request limit

  // real-time gateway (Socket.IO on /socket.io/)
  int ping_interval_ms = 25000;
  int ping_timeout_ms = 20000;
  std::size_t socket_max_payload_bytes = 1000000;
  std::size_t socket_send_buffer_bytes = std::size_t{1} << 20;
  int socket_connect_timeout_ms = 45000;
  int max_connections_per_user = 20;
  int max_connections_per_ip = 500;
  int socket_idle_timeout_seconds = 3600;  // no event from the client for this long closes it; 0 = never
  int socket_revalidate_seconds = 5;       // how often live sockets re-check their session
  int messages_per_second_per_user = 20;   // token bucket refill for message:send
  int message_burst_per_user = 40;         // and its capacity
  int typing_throttle_ms = 1000;
  int typing_expiry_ms = 5000;
  int gap_fill_delay_ms = 200;
  int sync_page_size = 100;
  int realtime_workers = 0;  // store reads behind socket events (CONNECT, sync, join, catch-up); 0 = one per core

  // background jobs and the event log (docs/HLD.md "Background jobs and the event log")
  std::string webhook_url;  // empty: the offline notifier does not run
  int webhook_timeout_ms = 5000;
  int webhook_max_attempts = 8;
  int webhook_backoff_min_ms = 1000;
  int webhook_backoff_max_ms = 60000;
  int webhook_max_retrying = 1000;  // events waiting for a retry at once
  int jobs_reclaim_idle_seconds = 30;
  std::size_t event_log_max_len = 100000;
  std::size_t event_log_queue_max = 10000;

  // retention (docs/HLD.md "Retention", D25)
  double retention_days = 0;      // 0: messages are kept forever; a fraction is part of a day
  int retention_max_days = 3650;  // longest retention a conversation may set
  int retention_sweep_seconds = 3600;
  int retention_batch = 500;  // messages one sweep transaction looks at
  // attachments (docs/HLD.md "Attachments")
  std::string blob_backend = "file";  // file | s3
  std::string blob_dir;               // with file: empty = <data dir>/blobs
  std::string s3_endpoint;            // with s3: http(s)://host[:port], path-style requests
  std::string s3_bucket;
  std::string s3_region = "us-east-1";
  std::string s3_access_key_id;
  std::string s3_secret_access_key;
  std::string s3_key_prefix;  // put before every key, so a bucket can be shared
  std::uint64_t upload_max_bytes = std::uint64_t{25} << 20;
  std::uint64_t upload_bytes_per_user_per_day = std::uint64_t{1} << 30;  // 0: no quota
  std::vector<std::string> upload_allowed_types = {"image/png",  "image/jpeg",
                                                   "image/gif",  "image/webp",
                                                   "audio/mpeg", "audio/ogg",
                                                   "audio/wav",  "audio/webm",
                                                   "audio/mp4",  "video/mp4",
                                                   "video/webm", "application/pdf",
                                                   "text/plain", "application/octet-stream"};
  int attachments_per_message = 10;
  int upload_unattached_ttl_seconds = 86400;
  int upload_sweep_interval_seconds = 60;
  int upload_sweep_batch = 500;
  int thumbnail_max_pixels = 320;                          // the thumbnail's long side
  std::uint64_t thumbnail_max_source_pixels = 40'000'000;  // larger images get no thumbnail
  int downloads_max_concurrent = 8;                        // attachment downloads streaming at once

  // web client and API explorer (paths relative to the working directory; "" = off)
  std::string web_dir = "web/public";        // served at /
  std::string api_docs_dir = "web/api-docs";  // served at /api/v1/docs/
  int web_max_age_seconds = 300;              // browser cache of the non-HTML files
  std::uint64_t web_max_file_bytes = 16U << 20;  // larger files are not served (over 64 KiB they stream)

  // logging
  std::string log_level = "info";
  std::string log_format = "json";

  bool operator==(const Config&) const = default;
};

/// What the command line asked for.
struct Invocation {
  enum class Command { serve, admin_create, admin_backup, admin_restore, help, version };
  Command command = Command::serve;
  Config config;
  std::string admin_username;  // for admin_create
  std::string admin_password;  // for admin_create; empty = read from stdin
  std::string backup_file;       // for admin_backup / admin_restore
  std::string backup_blobs_dir;  // for admin_backup / admin_restore; empty = no blobs
  bool force = false;            // for admin_backup / admin_restore
  std::string help_text;       // for help; for version, the version line
  std::string env_file;        // the .env file that was read; empty when none was
  /// Problems that do not stop the server, such as an unknown TALKLINE_ key (likely a typo).
  std::vector<std::string> warnings;
};

/// Environment variables by name.
using EnvMap = std::map<std::string, std::string, std::less<>>;

/// A copy of this process's environment.
EnvMap process_environment();

/// Builds the configuration with precedence flags > environment > `.env` file >
/// defaults. The `.env` file is `./.env` or the one named by `--env-file` /
/// `TALKLINE_ENV_FILE`. A bad value fails with `invalid_argument` whose message names
/// the key, e.g. "TALKLINE_PORT: must be an integer in [0, 65535] (got 'abc')"; when
/// the value came from a flag it names both, "--port (TALKLINE_PORT): ...". All bad
/// values are reported at once, each also as an entry of `Error::fields`.
/// Reads the process environment; never modifies it.
Result<Invocation> parse_invocation(int argc, const char* const* argv);

/// The same, with `env` standing in for the process environment (tests).
Result<Invocation> parse_invocation(int argc, const char* const* argv, const EnvMap& env);

}  // namespace talkline::config
