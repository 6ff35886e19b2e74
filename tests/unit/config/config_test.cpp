#include "config/config.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <set>
#include <string>
#include <vector>

#include "config/dotenv.hpp"

namespace talkline::config {
namespace {

namespace fs = std::filesystem;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;
using Command = Invocation::Command;

// Each test runs in a fresh temporary directory, so the default ./.env is whatever
// the test writes there and nothing from the machine leaks in.
class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "tl-config-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    previous_ = fs::current_path();
    fs::current_path(dir_);
  }
  void TearDown() override {
    fs::current_path(previous_);
    fs::remove_all(dir_);
  }

  std::string write(const std::string& name, const std::string& text) {
    const fs::path path = dir_ / name;
    std::ofstream(path) << text;
    return path.string();
  }

  static Result<Invocation> parse(std::initializer_list<const char*> args, const EnvMap& env = {}) {
    std::vector<const char*> argv{"talkline"};
    argv.insert(argv.end(), args.begin(), args.end());
    return parse_invocation(static_cast<int>(argv.size()), argv.data(), env);
  }

  static Invocation parse_ok(std::initializer_list<const char*> args, const EnvMap& env = {}) {
    auto result = parse(args, env);
    EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.error().message);
    return result.ok() ? std::move(result).value() : Invocation{};
  }

  static Error parse_error(std::initializer_list<const char*> args, const EnvMap& env = {}) {
    auto result = parse(args, env);
    EXPECT_FALSE(result.ok());
    return result.ok() ? Error{} : result.take_error();
  }

  fs::path dir_;
  fs::path previous_;
};

TEST_F(ConfigTest, DefaultsApplyWithNothingSet) {
  const Invocation inv = parse_ok({});
  EXPECT_EQ(inv.command, Command::serve);
  EXPECT_EQ(inv.config, Config{});
  EXPECT_EQ(inv.config.host, "0.0.0.0");
  EXPECT_EQ(inv.config.port, 8080);
  EXPECT_EQ(inv.config.store, "sqlite");
  EXPECT_EQ(inv.config.bus, "local");
  EXPECT_EQ(inv.config.cors_origins, std::vector<std::string>{"*"});
  EXPECT_EQ(inv.config.log_level, "info");
  EXPECT_EQ(inv.config.log_format, "json");
  EXPECT_TRUE(inv.env_file.empty());
  EXPECT_TRUE(inv.warnings.empty());
}

TEST_F(ConfigTest, DefaultEnvFileIsReadWhenPresent) {
  write(".env", "TALKLINE_PORT=9000\nTALKLINE_LOG_FORMAT=logfmt\n");
  const Invocation inv = parse_ok({});
  EXPECT_EQ(inv.config.port, 9000);
  EXPECT_EQ(inv.config.log_format, "logfmt");
  EXPECT_EQ(inv.env_file, "./.env");
}

TEST_F(ConfigTest, EnvironmentOverridesEnvFile) {
  write(".env", "TALKLINE_PORT=9000\nTALKLINE_HOST=127.0.0.1\n");
  const Invocation inv = parse_ok({}, {{"TALKLINE_PORT", "9100"}});
  EXPECT_EQ(inv.config.port, 9100);
  EXPECT_EQ(inv.config.host, "127.0.0.1");
}

TEST_F(ConfigTest, FlagOverridesEnvironmentAndEnvFile) {
  write(".env", "TALKLINE_PORT=9000\n");
  EXPECT_EQ(parse_ok({"--port", "9200"}, {{"TALKLINE_PORT", "9100"}}).config.port, 9200);
  EXPECT_EQ(parse_ok({"--port=9300"}, {{"TALKLINE_PORT", "9100"}}).config.port, 9300);
  EXPECT_EQ(parse_ok({"--port", "1", "--port", "2"}).config.port, 2);
}

TEST_F(ConfigTest, EveryFieldHasAFlagAndAnEnvKey) {
  const Invocation from_env = parse_ok({}, {{"TALKLINE_MAX_BODY_BYTES", "2048"},
                                            {"TALKLINE_JWT_SECRET", "0123456789abcdef0123456789abcdef"},
                                            {"TALKLINE_ADMIN_USERNAME", "root"},
                                            {"TALKLINE_ADMIN_PASSWORD", "hunter22"},
                                            {"TALKLINE_WORKER_THREADS", "4"},
                                            {"TALKLINE_SQLITE_SYNCHRONOUS", "normal"},
                                            {"TALKLINE_ARGON2_MEMORY_KIB", "8192"},
                                            {"TALKLINE_REQUESTS_PER_MINUTE_PER_IP", "0"}});
  EXPECT_EQ(from_env.config.max_body_bytes, 2048U);
  EXPECT_EQ(from_env.config.jwt_secret, "0123456789abcdef0123456789abcdef");
  EXPECT_EQ(from_env.config.admin_username, "root");
  EXPECT_EQ(from_env.config.admin_password, "hunter22");
  EXPECT_EQ(from_env.config.worker_threads, 4);
  EXPECT_EQ(from_env.config.sqlite_synchronous, "normal");
  EXPECT_EQ(from_env.config.argon2_memory_kib, 8192U);
  EXPECT_EQ(from_env.config.requests_per_minute_per_ip, 0);

  const Invocation from_flags = parse_ok({"--host",
                                          "::1",
                                          "--port",
                                          "0",
                                          "--threads",
                                          "2",
                                          "--worker-threads",
                                          "3",
                                          "--data-dir",
                                          "/tmp/x",
                                          "--store",
                                          "postgres://u@h:5432/db",
                                          "--bus",
                                          "redis://h:6379",
                                          "--node-id",
                                          "1023",
                                          "--sqlite-synchronous",
                                          "normal",
                                          "--max-body-bytes",
                                          "10",
                                          "--header-timeout-seconds",
                                          "5",
                                          "--idle-timeout-seconds",
                                          "6",
                                          "--request-timeout-seconds",
                                          "7",
                                          "--shutdown-grace-seconds",
                                          "0",
                                          "--cors-origins",
                                          "https://a.example",
                                          "--behind-tls",
                                          "--hsts-max-age-seconds",
                                          "60",
                                          "--max-connections",
                                          "5",
                                          "--jwt-secret",
                                          "abcdefghijklmnopqrstuvwxyz012345",
                                          "--jwt-issuer",
                                          "i",
                                          "--jwt-audience",
                                          "a",
                                          "--access-token-ttl-seconds",
                                          "60",
                                          "--refresh-token-ttl-seconds",
                                          "120",
                                          "--argon2-memory-kib",
                                          "9000",
                                          "--argon2-iterations",
                                          "3",
                                          "--argon2-parallelism",
                                          "2",
                                          "--login-failures-per-username",
                                          "4",
                                          "--login-failures-per-ip",
                                          "8",
                                          "--login-failure-window-seconds",
                                          "9",
                                          "--admin-username",
                                          "boss",
                                          "--admin-password",
                                          "pw",
                                          "--message-max-chars",
                                          "11",
                                          "--title-max-chars",
                                          "12",
                                          "--group-max-members",
                                          "13",
                                          "--page-max-limit",
                                          "14",
                                          "--requests-per-minute-per-ip",
                                          "15",
                                          "--log-level",
                                          "debug",
                                          "--log-format",
                                          "logfmt"});
  const Config& c = from_flags.config;
  EXPECT_EQ(c.host, "::1");
  EXPECT_EQ(c.port, 0);
  EXPECT_EQ(c.threads, 2);
  EXPECT_EQ(c.worker_threads, 3);
  EXPECT_EQ(c.data_dir, "/tmp/x");
  EXPECT_EQ(c.store, "postgres://u@h:5432/db");
  EXPECT_EQ(c.bus, "redis://h:6379");
  EXPECT_EQ(c.node_id, 1023);
  EXPECT_EQ(c.sqlite_synchronous, "normal");
  EXPECT_EQ(c.max_body_bytes, 10U);
  EXPECT_EQ(c.header_timeout_seconds, 5);
  EXPECT_EQ(c.idle_timeout_seconds, 6);
  EXPECT_EQ(c.request_timeout_seconds, 7);
  EXPECT_EQ(c.shutdown_grace_seconds, 0);
  EXPECT_EQ(c.cors_origins, std::vector<std::string>{"https://a.example"});
  EXPECT_TRUE(c.behind_tls);
  EXPECT_EQ(c.hsts_max_age_seconds, 60);
  EXPECT_EQ(c.max_connections, 5);
  EXPECT_EQ(c.jwt_secret, "abcdefghijklmnopqrstuvwxyz012345");
  EXPECT_EQ(c.jwt_issuer, "i");
  EXPECT_EQ(c.jwt_audience, "a");
  EXPECT_EQ(c.access_token_ttl_seconds, 60);
  EXPECT_EQ(c.refresh_token_ttl_seconds, 120);
  EXPECT_EQ(c.argon2_memory_kib, 9000U);
  EXPECT_EQ(c.argon2_iterations, 3U);
  EXPECT_EQ(c.argon2_parallelism, 2U);
  EXPECT_EQ(c.login_failures_per_username, 4);
  EXPECT_EQ(c.login_failures_per_ip, 8);
  EXPECT_EQ(c.login_failure_window_seconds, 9);
  EXPECT_EQ(c.admin_username, "boss");
  EXPECT_EQ(c.admin_password, "pw");
  EXPECT_EQ(c.message_max_chars, 11);
  EXPECT_EQ(c.title_max_chars, 12);
  EXPECT_EQ(c.group_max_members, 13);
  EXPECT_EQ(c.page_max_limit, 14);
  EXPECT_EQ(c.requests_per_minute_per_ip, 15);
  EXPECT_EQ(c.log_level, "debug");
  EXPECT_EQ(c.log_format, "logfmt");
}

TEST_F(ConfigTest, RealtimeDefaultsApplyWithNothingSet) {
  const Config c = parse_ok({}).config;
  EXPECT_EQ(c.ping_interval_ms, 25000);
  EXPECT_EQ(c.ping_timeout_ms, 20000);
  EXPECT_EQ(c.socket_max_payload_bytes, 1000000U);
  EXPECT_EQ(c.socket_send_buffer_bytes, 1048576U);
  EXPECT_EQ(c.socket_connect_timeout_ms, 45000);
  EXPECT_EQ(c.max_connections_per_user, 20);
  EXPECT_EQ(c.max_connections_per_ip, 500);
  EXPECT_EQ(c.socket_idle_timeout_seconds, 3600);
  EXPECT_EQ(c.socket_revalidate_seconds, 5);
  EXPECT_EQ(c.messages_per_second_per_user, 20);
  EXPECT_EQ(c.message_burst_per_user, 40);
  EXPECT_EQ(c.typing_throttle_ms, 1000);
  EXPECT_EQ(c.typing_expiry_ms, 5000);
  EXPECT_EQ(c.sync_page_size, 100);
  EXPECT_EQ(c.realtime_workers, 0);  // one per core
}

TEST_F(ConfigTest, EveryRealtimeFieldHasAFlagAndAnEnvKey) {
  const Invocation from_env = parse_ok({}, {{"TALKLINE_PING_INTERVAL_MS", "1000"},
                                            {"TALKLINE_PING_TIMEOUT_MS", "2000"},
                                            {"TALKLINE_SOCKET_MAX_PAYLOAD_BYTES", "4096"},
                                            {"TALKLINE_SOCKET_SEND_BUFFER_BYTES", "8192"},
                                            {"TALKLINE_SOCKET_CONNECT_TIMEOUT_MS", "3000"},
                                            {"TALKLINE_MAX_CONNECTIONS_PER_USER", "3"},
                                            {"TALKLINE_MAX_CONNECTIONS_PER_IP", "4"},
                                            {"TALKLINE_SOCKET_IDLE_TIMEOUT_SECONDS", "0"},
                                            {"TALKLINE_SOCKET_REVALIDATE_SECONDS", "6"},
                                            {"TALKLINE_MESSAGES_PER_SECOND_PER_USER", "7"},
                                            {"TALKLINE_MESSAGE_BURST_PER_USER", "8"},
                                            {"TALKLINE_TYPING_THROTTLE_MS", "0"},
                                            {"TALKLINE_TYPING_EXPIRY_MS", "900"},
                                            {"TALKLINE_SYNC_PAGE_SIZE", "10"},
                                            {"TALKLINE_REALTIME_WORKERS", "11"}});
  const Config& e = from_env.config;
  EXPECT_EQ(e.ping_interval_ms, 1000);
  EXPECT_EQ(e.ping_timeout_ms, 2000);
  EXPECT_EQ(e.socket_max_payload_bytes, 4096U);
  EXPECT_EQ(e.socket_send_buffer_bytes, 8192U);
  EXPECT_EQ(e.socket_connect_timeout_ms, 3000);
  EXPECT_EQ(e.max_connections_per_user, 3);
  EXPECT_EQ(e.max_connections_per_ip, 4);
  EXPECT_EQ(e.socket_idle_timeout_seconds, 0);
  EXPECT_EQ(e.socket_revalidate_seconds, 6);
  EXPECT_EQ(e.messages_per_second_per_user, 7);
  EXPECT_EQ(e.message_burst_per_user, 8);
  EXPECT_EQ(e.typing_throttle_ms, 0);
  EXPECT_EQ(e.typing_expiry_ms, 900);
  EXPECT_EQ(e.sync_page_size, 10);
  EXPECT_EQ(e.realtime_workers, 11);
  EXPECT_TRUE(from_env.warnings.empty());

  const Config f =
      parse_ok({"--ping-interval-ms=1001", "--ping-timeout-ms=2001", "--socket-max-payload-bytes=4097",
                "--socket-send-buffer-bytes=8193", "--socket-connect-timeout-ms=3001", "--max-connections-per-user=13",
                "--max-connections-per-ip=14", "--socket-idle-timeout-seconds=15", "--socket-revalidate-seconds=16",
                "--messages-per-second-per-user=17", "--message-burst-per-user=18", "--typing-throttle-ms=19",
                "--typing-expiry-ms=901", "--sync-page-size=20", "--realtime-workers=21"})
          .config;
  EXPECT_EQ(f.ping_interval_ms, 1001);
  EXPECT_EQ(f.ping_timeout_ms, 2001);
  EXPECT_EQ(f.socket_max_payload_bytes, 4097U);
  EXPECT_EQ(f.socket_send_buffer_bytes, 8193U);
  EXPECT_EQ(f.socket_connect_timeout_ms, 3001);
  EXPECT_EQ(f.max_connections_per_user, 13);
  EXPECT_EQ(f.max_connections_per_ip, 14);
  EXPECT_EQ(f.socket_idle_timeout_seconds, 15);
  EXPECT_EQ(f.socket_revalidate_seconds, 16);
  EXPECT_EQ(f.messages_per_second_per_user, 17);
  EXPECT_EQ(f.message_burst_per_user, 18);
  EXPECT_EQ(f.typing_throttle_ms, 19);
  EXPECT_EQ(f.typing_expiry_ms, 901);
  EXPECT_EQ(f.sync_page_size, 20);
  EXPECT_EQ(f.realtime_workers, 21);
}

TEST_F(ConfigTest, RealtimeFlagOverridesEnvironmentAndEnvFile) {
  write(".env", "TALKLINE_PING_INTERVAL_MS=5000\nTALKLINE_MESSAGE_BURST_PER_USER=50\n");
  const Config from_file = parse_ok({}).config;
  EXPECT_EQ(from_file.ping_interval_ms, 5000);
  EXPECT_EQ(from_file.message_burst_per_user, 50);

  const EnvMap env{{"TALKLINE_PING_INTERVAL_MS", "6000"}, {"TALKLINE_MESSAGE_BURST_PER_USER", "60"}};
  const Config from_env = parse_ok({}, env).config;
  EXPECT_EQ(from_env.ping_interval_ms, 6000);
  EXPECT_EQ(from_env.message_burst_per_user, 60);

  const Config from_flags = parse_ok({"--ping-interval-ms", "7000", "--message-burst-per-user=70"}, env).config;
  EXPECT_EQ(from_flags.ping_interval_ms, 7000);
  EXPECT_EQ(from_flags.message_burst_per_user, 70);
}

TEST_F(ConfigTest, RealtimeOutOfRangeValuesNameTheKeyAndTheBounds) {
  EXPECT_EQ(parse_error({}, {{"TALKLINE_PING_INTERVAL_MS", "99"}}).message,
            "TALKLINE_PING_INTERVAL_MS: must be an integer in [100, 600000] (got '99')");
  EXPECT_EQ(parse_error({"--socket-max-payload-bytes", "67108865"}).message,
            "--socket-max-payload-bytes (TALKLINE_SOCKET_MAX_PAYLOAD_BYTES): must be an integer in [1024, 67108864] "
            "(got '67108865')");
  EXPECT_EQ(parse_error({}, {{"TALKLINE_SOCKET_SEND_BUFFER_BYTES", "1073741825"}}).message,
            "TALKLINE_SOCKET_SEND_BUFFER_BYTES: must be an integer in [4096, 1073741824] (got '1073741825')");
  EXPECT_EQ(parse_error({"--realtime-workers=-1"}).message,
            "--realtime-workers (TALKLINE_REALTIME_WORKERS): must be an integer in [0, 256] (got '-1')");
  EXPECT_EQ(parse_error({}, {{"TALKLINE_SOCKET_IDLE_TIMEOUT_SECONDS", "-1"}}).message,
            "TALKLINE_SOCKET_IDLE_TIMEOUT_SECONDS: must be an integer in [0, 604800] (got '-1')");

  // Several bad real-time values are reported together.
  const Error error = parse_error({"--sync-page-size", "1001"},
                                  {{"TALKLINE_MAX_CONNECTIONS_PER_USER", "0"}, {"TALKLINE_TYPING_EXPIRY_MS", "soon"}});
  EXPECT_EQ(error.fields.size(), 3U);
  EXPECT_THAT(error.message, HasSubstr("--sync-page-size (TALKLINE_SYNC_PAGE_SIZE): "));
  EXPECT_THAT(error.message, HasSubstr("TALKLINE_MAX_CONNECTIONS_PER_USER: must be an integer in [1, 10000]"));
  EXPECT_THAT(error.message, HasSubstr("TALKLINE_TYPING_EXPIRY_MS: must be an integer in [100, 600000] (got 'soon')"));
}

TEST_F(ConfigTest, EnvFileCanBeNamedByFlagOrEnvironment) {
  const std::string flag_file = write("flag.env", "TALKLINE_PORT=9001\n");
  const std::string env_file = write("env.env", "TALKLINE_PORT=9002\n");
  write(".env", "TALKLINE_PORT=9003\n");
  EXPECT_EQ(parse_ok({"--env-file", flag_file.c_str()}, {{"TALKLINE_ENV_FILE", env_file}}).config.port, 9001);
  EXPECT_EQ(parse_ok({}, {{"TALKLINE_ENV_FILE", env_file}}).config.port, 9002);
  EXPECT_EQ(parse_ok({}).config.port, 9003);
}

TEST_F(ConfigTest, NamedEnvFileMustExist) {
  const Error by_flag = parse_error({"--env-file", "missing.env"});
  EXPECT_THAT(by_flag.message, StartsWith("--env-file: "));
  EXPECT_THAT(by_flag.message, HasSubstr("missing.env"));
  const Error by_env = parse_error({}, {{"TALKLINE_ENV_FILE", "missing.env"}});
  EXPECT_THAT(by_env.message, StartsWith("TALKLINE_ENV_FILE: "));
}

TEST_F(ConfigTest, MalformedEnvFileIsAnError) {
  write(".env", "TALKLINE_PORT=1\nthis is not a setting\n");
  EXPECT_THAT(parse_error({}).message, HasSubstr("./.env:2: expected KEY=VALUE"));
}

TEST_F(ConfigTest, ErrorMessageFormatNamesKeyAndValue) {
  const Error error = parse_error({}, {{"TALKLINE_PORT", "abc"}});
  EXPECT_EQ(error.code, ErrorCode::invalid_argument);
  EXPECT_EQ(error.message, "TALKLINE_PORT: must be an integer in [0, 65535] (got 'abc')");
  ASSERT_EQ(error.fields.size(), 1U);
  EXPECT_EQ(error.fields[0].field, "TALKLINE_PORT");
}

TEST_F(ConfigTest, FlagErrorNamesTheFlagAndTheKey) {
  EXPECT_EQ(parse_error({"--port", "70000"}).message,
            "--port (TALKLINE_PORT): must be an integer in [0, 65535] (got '70000')");
}

TEST_F(ConfigTest, EveryValidationErrorNamesItsKey) {
  const std::pair<const char*, const char*> cases[] = {
      {"TALKLINE_HOST", ""},
      {"TALKLINE_HOST", "a b"},
      {"TALKLINE_PORT", "-1"},
      {"TALKLINE_PORT", "65536"},
      {"TALKLINE_PORT", " 80"},
      {"TALKLINE_PORT", "80.0"},
      {"TALKLINE_THREADS", "257"},
      {"TALKLINE_THREADS", "-1"},
      {"TALKLINE_WORKER_THREADS", "0"},
      {"TALKLINE_WORKER_THREADS", "1025"},
      {"TALKLINE_DATA_DIR", ""},
      {"TALKLINE_STORE", "mysql://x"},
      {"TALKLINE_STORE", "postgres://"},
      {"TALKLINE_STORE", "SQLITE"},
      {"TALKLINE_BUS", "nats://x"},
      {"TALKLINE_BUS", "redis://"},
      {"TALKLINE_NODE_ID", "1024"},
      {"TALKLINE_NODE_ID", "-1"},
      {"TALKLINE_NODE_ADDRESS", "nohost"},
      {"TALKLINE_NODE_LEASE_SECONDS", "2"},
      {"TALKLINE_SQLITE_SYNCHRONOUS", "off"},
      {"TALKLINE_MAX_BODY_BYTES", "0"},
      {"TALKLINE_MAX_BODY_BYTES", "99999999999999999999"},
      {"TALKLINE_HEADER_TIMEOUT_SECONDS", "0"},
      {"TALKLINE_IDLE_TIMEOUT_SECONDS", "0"},
      {"TALKLINE_REQUEST_TIMEOUT_SECONDS", "0"},
      {"TALKLINE_SHUTDOWN_GRACE_SECONDS", "-1"},
      {"TALKLINE_CORS_ORIGINS", "example.com"},
      {"TALKLINE_BEHIND_TLS", "maybe"},
      {"TALKLINE_HSTS_MAX_AGE_SECONDS", "-5"},
      {"TALKLINE_MAX_CONNECTIONS", "0"},
      {"TALKLINE_JWT_SECRET", "too-short"},
      {"TALKLINE_JWT_ISSUER", ""},
      {"TALKLINE_JWT_AUDIENCE", ""},
      {"TALKLINE_ACCESS_TOKEN_TTL_SECONDS", "0"},
      {"TALKLINE_REFRESH_TOKEN_TTL_SECONDS", "0"},
      {"TALKLINE_ARGON2_MEMORY_KIB", "8191"},
      {"TALKLINE_ARGON2_ITERATIONS", "0"},
      {"TALKLINE_ARGON2_PARALLELISM", "0"},
      {"TALKLINE_LOGIN_FAILURES_PER_USERNAME", "0"},
      {"TALKLINE_LOGIN_FAILURES_PER_IP", "0"},
      {"TALKLINE_LOGIN_FAILURE_WINDOW_SECONDS", "0"},
      {"TALKLINE_ADMIN_USERNAME", "bad\nname"},
      {"TALKLINE_MESSAGE_MAX_CHARS", "0"},
      {"TALKLINE_TITLE_MAX_CHARS", "0"},
      {"TALKLINE_GROUP_MAX_MEMBERS", "1"},
      {"TALKLINE_PAGE_MAX_LIMIT", "0"},
      {"TALKLINE_REQUESTS_PER_MINUTE_PER_IP", "-1"},
      {"TALKLINE_PING_INTERVAL_MS", "99"},
      {"TALKLINE_PING_INTERVAL_MS", "600001"},
      {"TALKLINE_PING_TIMEOUT_MS", "99"},
      {"TALKLINE_PING_TIMEOUT_MS", "600001"},
      {"TALKLINE_SOCKET_MAX_PAYLOAD_BYTES", "1023"},
      {"TALKLINE_SOCKET_MAX_PAYLOAD_BYTES", "67108865"},
      {"TALKLINE_SOCKET_SEND_BUFFER_BYTES", "4095"},
      {"TALKLINE_SOCKET_SEND_BUFFER_BYTES", "1073741825"},
      {"TALKLINE_SOCKET_CONNECT_TIMEOUT_MS", "99"},
      {"TALKLINE_SOCKET_CONNECT_TIMEOUT_MS", "600001"},
      {"TALKLINE_MAX_CONNECTIONS_PER_USER", "0"},
      {"TALKLINE_MAX_CONNECTIONS_PER_USER", "10001"},
      {"TALKLINE_MAX_CONNECTIONS_PER_IP", "0"},
      {"TALKLINE_MAX_CONNECTIONS_PER_IP", "1000001"},
      {"TALKLINE_SOCKET_IDLE_TIMEOUT_SECONDS", "-1"},
      {"TALKLINE_SOCKET_IDLE_TIMEOUT_SECONDS", "604801"},
      {"TALKLINE_SOCKET_REVALIDATE_SECONDS", "0"},
      {"TALKLINE_SOCKET_REVALIDATE_SECONDS", "3601"},
      {"TALKLINE_MESSAGES_PER_SECOND_PER_USER", "0"},
      {"TALKLINE_MESSAGES_PER_SECOND_PER_USER", "100001"},
      {"TALKLINE_MESSAGE_BURST_PER_USER", "0"},
      {"TALKLINE_MESSAGE_BURST_PER_USER", "1000001"},
      {"TALKLINE_TYPING_THROTTLE_MS", "-1"},
      {"TALKLINE_TYPING_THROTTLE_MS", "60001"},
      {"TALKLINE_TYPING_EXPIRY_MS", "99"},
      {"TALKLINE_TYPING_EXPIRY_MS", "600001"},
      {"TALKLINE_SYNC_PAGE_SIZE", "0"},
      {"TALKLINE_SYNC_PAGE_SIZE", "1001"},
      {"TALKLINE_REALTIME_WORKERS", "-1"},
      {"TALKLINE_REALTIME_WORKERS", "257"},
      {"TALKLINE_REALTIME_WORKERS", "eight"},
      {"TALKLINE_LOG_LEVEL", "verbose"},
      {"TALKLINE_LOG_FORMAT", "xml"},
  };
  for (const auto& [key, value] : cases) {
    const Error error = parse_error({}, {{key, value}});
    EXPECT_EQ(error.code, ErrorCode::invalid_argument) << key;
    EXPECT_THAT(error.message, StartsWith(std::string(key) + ": ")) << key << "=" << value;
    ASSERT_EQ(error.fields.size(), 1U) << key;
    EXPECT_EQ(error.fields[0].field, key);
  }
}

TEST_F(ConfigTest, NodeIdIsAutoUnlessSet) {
  EXPECT_EQ(parse_ok({}, {}).config.node_id, Config::kAutoNodeId);
  EXPECT_EQ(parse_ok({}, {{"TALKLINE_NODE_ID", "auto"}}).config.node_id, Config::kAutoNodeId);
  EXPECT_EQ(parse_ok({}, {{"TALKLINE_NODE_ID", "7"}}).config.node_id, 7);
  EXPECT_EQ(parse_ok({}, {{"TALKLINE_NODE_ADDRESS", "10.0.0.5:8080"}}).config.node_address, "10.0.0.5:8080");
  EXPECT_EQ(parse_ok({}, {{"TALKLINE_NODE_LEASE_SECONDS", "3"}}).config.node_lease_seconds, 3);
}

TEST_F(ConfigTest, AcceptsTheEdgesOfEachRange) {
  const Invocation inv = parse_ok({}, {{"TALKLINE_PORT", "65535"},
                                       {"TALKLINE_THREADS", "256"},
                                       {"TALKLINE_WORKER_THREADS", "1024"},
                                       {"TALKLINE_NODE_ID", "0"},
                                       {"TALKLINE_STORE", "postgresql://h/db"},
                                       {"TALKLINE_ARGON2_MEMORY_KIB", "8192"},
                                       {"TALKLINE_PING_INTERVAL_MS", "100"},
                                       {"TALKLINE_PING_TIMEOUT_MS", "600000"},
                                       {"TALKLINE_SOCKET_MAX_PAYLOAD_BYTES", "67108864"},
                                       {"TALKLINE_SOCKET_SEND_BUFFER_BYTES", "1073741824"},
                                       {"TALKLINE_MAX_CONNECTIONS_PER_IP", "1000000"},
                                       {"TALKLINE_SOCKET_IDLE_TIMEOUT_SECONDS", "604800"},
                                       {"TALKLINE_TYPING_THROTTLE_MS", "60000"},
                                       {"TALKLINE_SYNC_PAGE_SIZE", "1000"},
                                       {"TALKLINE_REALTIME_WORKERS", "256"}});
  EXPECT_EQ(inv.config.port, 65535);
  EXPECT_EQ(inv.config.threads, 256);
  EXPECT_EQ(inv.config.worker_threads, 1024);
  EXPECT_EQ(inv.config.store, "postgresql://h/db");
  EXPECT_EQ(inv.config.ping_interval_ms, 100);
  EXPECT_EQ(inv.config.ping_timeout_ms, 600000);
  EXPECT_EQ(inv.config.socket_max_payload_bytes, std::size_t{64} << 20);
  EXPECT_EQ(inv.config.socket_send_buffer_bytes, std::size_t{1} << 30);
  EXPECT_EQ(inv.config.max_connections_per_ip, 1000000);
  EXPECT_EQ(inv.config.socket_idle_timeout_seconds, 604800);
  EXPECT_EQ(inv.config.typing_throttle_ms, 60000);
  EXPECT_EQ(inv.config.sync_page_size, 1000);
  EXPECT_EQ(inv.config.realtime_workers, 256);
}

TEST_F(ConfigTest, ReportsEveryProblemAtOnce) {
  const Error error = parse_error({"--node-id", "5000"}, {{"TALKLINE_PORT", "x"}, {"TALKLINE_LOG_LEVEL", "loud"}});
  EXPECT_EQ(error.fields.size(), 3U);
  EXPECT_THAT(error.message, HasSubstr("TALKLINE_PORT: "));
  EXPECT_THAT(error.message, HasSubstr("--node-id (TALKLINE_NODE_ID): "));
  EXPECT_THAT(error.message, HasSubstr("TALKLINE_LOG_LEVEL: "));
}

TEST_F(ConfigTest, SecretsAreNotEchoedInErrors) {
  EXPECT_THAT(parse_error({}, {{"TALKLINE_JWT_SECRET", "my-short-secret"}}).message, Not(HasSubstr("my-short-secret")));
  EXPECT_THAT(parse_error({}, {{"TALKLINE_STORE", "mysql://root:hunter2@db"}}).message, Not(HasSubstr("hunter2")));
  EXPECT_THAT(parse_error({}, {{"TALKLINE_BUS", "nats://u:hunter2@bus"}}).message, Not(HasSubstr("hunter2")));
}

TEST_F(ConfigTest, ParsesCorsOriginLists) {
  const auto origins = [](const char* value) {
    return parse_ok({}, {{"TALKLINE_CORS_ORIGINS", value}}).config.cors_origins;
  };
  EXPECT_EQ(origins("https://chat.example.com, http://localhost:3000 ,*"),
            (std::vector<std::string>{"https://chat.example.com", "http://localhost:3000", "*"}));
  EXPECT_EQ(origins("http://[::1]:8080"), std::vector<std::string>{"http://[::1]:8080"});
  EXPECT_EQ(origins("app+custom://host-1.example"), std::vector<std::string>{"app+custom://host-1.example"});
  EXPECT_EQ(origins(""), std::vector<std::string>{});
  for (const char* bad : {"example.com", "https://", "https://a.example/", "https://a.example/path",
                          "https://a.example:0", "https://a.example:99999", "https://a.example:",
                          "https://a.example:8o", "https://a b", "https://a.example,", ",https://a.example",
                          "https://a.example,,*", "://a.example", "1http://a.example", "http://[::1", "http://[]"}) {
    const Error error = parse_error({}, {{"TALKLINE_CORS_ORIGINS", bad}});
    EXPECT_THAT(error.message, StartsWith("TALKLINE_CORS_ORIGINS: ")) << bad;
  }
}

TEST_F(ConfigTest, ParsesTrustedProxyLists) {
  const auto proxies = [](const char* value) {
    return parse_ok({}, {{"TALKLINE_TRUSTED_PROXIES", value}}).config.trusted_proxies;
  };
  EXPECT_EQ(proxies("10.0.0.0/8, 192.0.2.7 ,fd00::/8"),
            (std::vector<std::string>{"10.0.0.0/8", "192.0.2.7", "fd00::/8"}));
  EXPECT_EQ(proxies(""), std::vector<std::string>{});
  EXPECT_EQ(parse_ok({"--trusted-proxies", "127.0.0.1"}).config.trusted_proxies, std::vector<std::string>{"127.0.0.1"});
  for (const char* bad :
       {"nginx", "10.0.0.0/33", "10.0.0.0/8,", ",10.0.0.1", "10.0.0.1,,10.0.0.2", "10.0.0.1:80", "fe80::/129", "*"}) {
    const Error error = parse_error({}, {{"TALKLINE_TRUSTED_PROXIES", bad}});
    EXPECT_THAT(error.message, StartsWith("TALKLINE_TRUSTED_PROXIES: ")) << bad;
  }
}

TEST_F(ConfigTest, RateLimitTimeoutIsBounded) {
  EXPECT_EQ(parse_ok({}, {{"TALKLINE_RATE_LIMIT_TIMEOUT_MS", "250"}}).config.rate_limit_timeout_ms, 250);
  for (const char* bad : {"0", "9", "60001", "fast"}) {
    EXPECT_THAT(parse_error({}, {{"TALKLINE_RATE_LIMIT_TIMEOUT_MS", bad}}).message,
                StartsWith("TALKLINE_RATE_LIMIT_TIMEOUT_MS: "))
        << bad;
  }
}

TEST_F(ConfigTest, BooleanFlagsAndValues) {
  EXPECT_TRUE(parse_ok({"--behind-tls"}).config.behind_tls);
  EXPECT_FALSE(parse_ok({"--behind-tls=false"}, {{"TALKLINE_BEHIND_TLS", "true"}}).config.behind_tls);
  EXPECT_TRUE(parse_ok({"--behind-tls", "yes"}).config.behind_tls);
  for (const char* yes : {"true", "TRUE", "1", "yes", "on"}) {
    EXPECT_TRUE(parse_ok({}, {{"TALKLINE_BEHIND_TLS", yes}}).config.behind_tls) << yes;
  }
  for (const char* no : {"false", "False", "0", "no", "off"}) {
    EXPECT_FALSE(parse_ok({}, {{"TALKLINE_BEHIND_TLS", no}}).config.behind_tls) << no;
  }
}

TEST_F(ConfigTest, AdminPasswordNeedsAUsername) {
  const Error error = parse_error({}, {{"TALKLINE_ADMIN_PASSWORD", "pw"}});
  EXPECT_THAT(error.message, StartsWith("TALKLINE_ADMIN_PASSWORD: "));
}

TEST_F(ConfigTest, UnknownFlagIsNamed) {
  const Error error = parse_error({"--prot", "80"});
  EXPECT_EQ(error.code, ErrorCode::invalid_argument);
  EXPECT_THAT(error.message, HasSubstr("--prot"));
  EXPECT_THAT(parse_error({"serve-now"}).message, HasSubstr("serve-now"));
}

TEST_F(ConfigTest, MissingFlagValueIsAnError) { EXPECT_THAT(parse_error({"--port"}).message, HasSubstr("--port")); }

TEST_F(ConfigTest, UnknownTalklineKeysAreReportedAsWarnings) {
  const Invocation inv = parse_ok({}, {{"TALKLINE_PROT", "80"}, {"HOME", "/root"}, {"TALKLINE_ENV_FILE", ""}});
  EXPECT_EQ(inv.warnings, std::vector<std::string>{"unknown setting TALKLINE_PROT ignored"});
}

TEST_F(ConfigTest, HelpListsEveryFlagWithItsEnvKeyAndDefault) {
  const Invocation inv = parse_ok({"--help"}, {{"TALKLINE_PORT", "not even checked"}});
  EXPECT_EQ(inv.command, Command::help);
  const std::string& help = inv.help_text;
  EXPECT_THAT(help, HasSubstr("--port"));
  EXPECT_THAT(help, HasSubstr("[TALKLINE_PORT, default: 8080]"));
  EXPECT_THAT(help, HasSubstr("--max-body-bytes"));
  EXPECT_THAT(help, HasSubstr("[TALKLINE_MAX_BODY_BYTES, default: 1048576]"));
  EXPECT_THAT(help, HasSubstr("[TALKLINE_CORS_ORIGINS, default: *]"));
  EXPECT_THAT(help, HasSubstr("[TALKLINE_JWT_SECRET, default: none]"));
  EXPECT_THAT(help, HasSubstr("--ping-interval-ms"));
  EXPECT_THAT(help, HasSubstr("[TALKLINE_PING_INTERVAL_MS, default: 25000]"));
  EXPECT_THAT(help, HasSubstr("[TALKLINE_SOCKET_SEND_BUFFER_BYTES, default: 1048576]"));
  EXPECT_THAT(help, HasSubstr("--env-file"));
  EXPECT_THAT(help, HasSubstr("TALKLINE_ENV_FILE"));
  EXPECT_THAT(help, HasSubstr("admin"));
  EXPECT_EQ(parse_ok({"-h"}).command, Command::help);
}

TEST_F(ConfigTest, HelpGroupsRealtimeSettingsBetweenDomainLimitsAndLogging) {
  const std::string help = parse_ok({"--help"}).help_text;
  const auto domain = help.find("Domain limits");
  const auto realtime = help.find("Real-time gateway");
  const auto logging = help.find("Logging");
  ASSERT_NE(domain, std::string::npos);
  ASSERT_NE(realtime, std::string::npos);
  ASSERT_NE(logging, std::string::npos);
  EXPECT_LT(domain, realtime);
  EXPECT_LT(realtime, logging);
  const auto ping = help.find("--ping-interval-ms");
  EXPECT_LT(realtime, ping);
  EXPECT_LT(ping, logging);
}

TEST_F(ConfigTest, SubcommandHelpDescribesTheSubcommand) {
  const Invocation inv = parse_ok({"admin", "create", "--help"});
  EXPECT_EQ(inv.command, Command::help);
  EXPECT_THAT(inv.help_text, HasSubstr("--username"));
}

TEST_F(ConfigTest, VersionFlag) {
  const Invocation inv = parse_ok({"--version"});
  EXPECT_EQ(inv.command, Command::version);
  EXPECT_THAT(inv.help_text, StartsWith("talkline "));
}

TEST_F(ConfigTest, AdminCreateSubcommandKeepsTheFullConfig) {
  const Invocation inv = parse_ok({"admin", "create", "--username", "root", "--password", "s3cret", "--port", "9001"},
                                  {{"TALKLINE_STORE", "postgres://h/db"}});
  EXPECT_EQ(inv.command, Command::admin_create);
  EXPECT_EQ(inv.admin_username, "root");
  EXPECT_EQ(inv.admin_password, "s3cret");
  EXPECT_EQ(inv.config.port, 9001);
  EXPECT_EQ(inv.config.store, "postgres://h/db");

  const Invocation no_password = parse_ok({"--data-dir", "/srv/talkline", "admin", "create", "--username", "root"});
  EXPECT_EQ(no_password.command, Command::admin_create);
  EXPECT_TRUE(no_password.admin_password.empty());
  EXPECT_EQ(no_password.config.data_dir, "/srv/talkline");
}

TEST_F(ConfigTest, AdminCreateStillValidatesTheConfig) {
  EXPECT_THAT(parse_error({"admin", "create", "--username", "root"}, {{"TALKLINE_PORT", "x"}}).message,
              StartsWith("TALKLINE_PORT: "));
}

TEST_F(ConfigTest, AdminSubcommandNeedsItsArguments) {
  EXPECT_THAT(parse_error({"admin", "create"}).message, HasSubstr("--username"));
  EXPECT_THAT(parse_error({"admin"}).message, HasSubstr("subcommand"));
  EXPECT_THAT(parse_error({"admin", "delete"}).message, HasSubstr("subcommand"));
}

TEST_F(ConfigTest, AdminBackupAndRestoreTakeAFileAndTheirOptions) {
  const Invocation backup = parse_ok({"admin", "backup", "/backups/today.db", "--data-dir", "/srv/talkline"},
                                     {{"TALKLINE_BACKUP_STEP_PAGES", "64"}});
  EXPECT_EQ(backup.command, Command::admin_backup);
  EXPECT_EQ(backup.backup_file, "/backups/today.db");
  EXPECT_TRUE(backup.backup_blobs_dir.empty());
  EXPECT_FALSE(backup.force);
  EXPECT_EQ(backup.config.data_dir, "/srv/talkline");
  EXPECT_EQ(backup.config.backup_step_pages, 64);

  const Invocation restore = parse_ok({"admin", "restore", "today.db", "--blobs", "blobs", "--force"});
  EXPECT_EQ(restore.command, Command::admin_restore);
  EXPECT_EQ(restore.backup_file, "today.db");
  EXPECT_EQ(restore.backup_blobs_dir, "blobs");
  EXPECT_TRUE(restore.force);

  EXPECT_THAT(parse_error({"admin", "backup"}).message, HasSubstr("file"));
  EXPECT_THAT(parse_error({"admin", "backup", "x.db"}, {{"TALKLINE_BACKUP_STEP_PAGES", "0"}}).message,
              StartsWith("TALKLINE_BACKUP_STEP_PAGES: "));
}

TEST_F(ConfigTest, RetentionDaysTakeAFractionOfADayAndNothingElse) {
  EXPECT_EQ(parse_ok({}, {}).config.retention_days, 0.0);
  EXPECT_EQ(parse_ok({}, {{"TALKLINE_RETENTION_DAYS", "30"}}).config.retention_days, 30.0);
  EXPECT_EQ(parse_ok({"--retention-days", "0.5"}).config.retention_days, 0.5);
  for (const char* bad : {"-1", "abc", "1e9", "nan", "0.5d"}) {
    EXPECT_THAT(parse_error({}, {{"TALKLINE_RETENTION_DAYS", bad}}).message, StartsWith("TALKLINE_RETENTION_DAYS: "))
        << bad;
  }
  EXPECT_THAT(parse_error({}, {{"TALKLINE_RETENTION_BATCH", "0"}}).message, StartsWith("TALKLINE_RETENTION_BATCH: "));
}

TEST_F(ConfigTest, RetentionDaysTooShortForOneMillisecondAreRefusedNotTakenAsForever) {
  for (const char* tiny : {"1e-9", "0.000000005", "5e-300"}) {
    EXPECT_THAT(parse_error({}, {{"TALKLINE_RETENTION_DAYS", tiny}}).message,
                AllOf(StartsWith("TALKLINE_RETENTION_DAYS: "), HasSubstr("1 ms")))
        << tiny;
  }
  // Half a millisecond rounds up to one.
  EXPECT_EQ(parse_ok({}, {{"TALKLINE_RETENTION_DAYS", "0.000000006"}}).config.retention_days, 0.000000006);
  EXPECT_EQ(parse_ok({}, {{"TALKLINE_RETENTION_DAYS", "0"}}).config.retention_days, 0.0);
  EXPECT_THAT(parse_error({}, {{"TALKLINE_RETENTION_SWEEP_SECONDS", "0"}}).message,
              StartsWith("TALKLINE_RETENTION_SWEEP_SECONDS: "));
}

TEST_F(ConfigTest, WebhookSettingsAreCheckedAtStart) {
  EXPECT_EQ(parse_ok({}, {{"TALKLINE_WEBHOOK_URL", "http://relay:8081/hook"}}).config.webhook_url,
            "http://relay:8081/hook");
  EXPECT_THAT(parse_error({}, {{"TALKLINE_WEBHOOK_URL", "https://hooks.example/x"}}).message,
              HasSubstr("TLS-terminating relay"));
  EXPECT_THAT(parse_error({}, {{"TALKLINE_WEBHOOK_URL", "hooks.example/x"}}).message,
              StartsWith("TALKLINE_WEBHOOK_URL: "));
  EXPECT_THAT(parse_error({}, {{"TALKLINE_WEBHOOK_BACKOFF_MIN_MS", "5000"}, {"TALKLINE_WEBHOOK_BACKOFF_MAX_MS", "100"}})
                  .message,
              HasSubstr("TALKLINE_WEBHOOK_BACKOFF_MAX_MS"));
  EXPECT_THAT(parse_error({}, {{"TALKLINE_WEBHOOK_MAX_ATTEMPTS", "0"}}).message,
              StartsWith("TALKLINE_WEBHOOK_MAX_ATTEMPTS: "));
}

TEST(ProcessEnvironment, CopiesTheRealEnvironment) {
  const char* path = std::getenv("PATH");
  if (path == nullptr) GTEST_SKIP() << "no PATH in the environment";
  const EnvMap env = process_environment();
  ASSERT_EQ(env.count("PATH"), 1U);
  EXPECT_EQ(env.at("PATH"), path);
}

// .env.example at the repository root must list every key, each with its default.
TEST_F(ConfigTest, EnvExampleListsEveryKeyWithItsDefault) {
  const fs::path example = fs::path(TALKLINE_SOURCE_DIR) / ".env.example";
  if (!fs::exists(example)) GTEST_SKIP() << "source tree not available at " << example;
  auto entries = read_dotenv_file(example.string());
  ASSERT_TRUE(entries.ok()) << entries.error().message;

  const Invocation inv = parse_ok({"--env-file", example.c_str()});
  EXPECT_EQ(inv.config, Config{});
  EXPECT_TRUE(inv.warnings.empty());

  const std::string help = parse_ok({"--help"}).help_text;
  std::set<std::string> documented;
  for (auto start = help.find("[TALKLINE_"); start != std::string::npos; start = help.find("[TALKLINE_", start + 1)) {
    const auto comma = help.find(", default", start);
    ASSERT_NE(comma, std::string::npos);
    documented.insert(help.substr(start + 1, comma - start - 1));
  }
  documented.erase("TALKLINE_ENV_FILE");  // names the file itself, so it cannot live in it
  EXPECT_EQ(documented.size(), 115U);
  std::set<std::string> listed;
  for (const auto& [key, value] : entries.value()) listed.insert(key);
  EXPECT_EQ(listed, documented);
}

}  // namespace
}  // namespace talkline::config
