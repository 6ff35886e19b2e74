#include "app/app.hpp"

#include <chrono>
#include <cmath>
#include <filesystem>
#include <functional>
#include <iostream>
#include <memory>
#include <thread>

#include "api/v1/api_context.hpp"
#include "app/blob_backend.hpp"
#include "app/bus_backend.hpp"
#include "app/cluster_wiring.hpp"
#include "app/data_dir_lock.hpp"
#include "app/http_metrics.hpp"
#include "app/jobs_backend.hpp"
#include "app/node_collector.hpp"
#include "app/presence_backend.hpp"
#include "app/ratelimit_backend.hpp"
#include "app/realtime_wiring.hpp"
#include "app/redis_wiring.hpp"
#include "app/secret_key.hpp"
#include "app/store_backend.hpp"
#include "app/web_wiring.hpp"
#include "bus/redis/redis_bus.hpp"
#include "jobs/retention_sweeper.hpp"
#include "jobs/upload_sweeper.hpp"
#include "media/vips_thumbnailer.hpp"
#include "model/retention.hpp"
#include "ratelimit/local_rate_limiter.hpp"
#include "realtime/bus_publisher.hpp"
#include "services/auth_service.hpp"
#include "services/conversation_service.hpp"
#include "services/message_service.hpp"
#include "services/publisher_fanout.hpp"
#include "services/reply_previews.hpp"
#include "services/retention_service.hpp"
#include "services/upload_service.hpp"
#include "services/user_service.hpp"
#include "transport/http/server.hpp"
#include "util/clock.hpp"
#include "util/id_generator.hpp"
#include "util/log.hpp"

namespace talkline::app {
namespace {

void init_logging(const config::Config& config) {
  util::log::Level level = util::log::Level::info;
  util::log::Format format = util::log::Format::json;
  util::log::parse_level(config.log_level, level);
  util::log::parse_format(config.log_format, format);
  util::log::init(level, format);
}

// TALKLINE_RETENTION_DAYS may have a fraction of a day; the stores count in ms.
model::Millis retention_ms(const config::Config& config) {
  return std::llround(config.retention_days * static_cast<double>(model::kMillisPerDay));
}

services::DomainLimits domain_limits(const config::Config& config) {
  services::DomainLimits limits;
  limits.message_max_chars = config.message_max_chars;
  limits.title_max_chars = config.title_max_chars;
  limits.group_max_members = config.group_max_members;
  limits.page_max_limit = config.page_max_limit;
  limits.edit_window_seconds = config.edit_window_seconds;
  limits.reaction_max_bytes = config.reaction_max_bytes;
  limits.reactions_per_message = config.reactions_per_message;
  limits.pins_per_conversation = config.pins_per_conversation;
  limits.retention_ms = retention_ms(config);
  limits.retention_max_days = config.retention_max_days;
  limits.attachments_per_message = config.attachments_per_message;
  limits.mentions_per_message = config.mentions_per_message;
  limits.reply_preview_chars = config.reply_preview_chars;
  limits.page_default_limit = std::min(limits.page_default_limit, config.page_max_limit);
  return limits;
}

services::AuthSettings auth_settings(const config::Config& config, std::string key) {
  services::AuthSettings settings;
  settings.jwt_secret = std::move(key);
  settings.issuer = config.jwt_issuer;
  settings.audience = config.jwt_audience;
  settings.access_token_ttl_seconds = config.access_token_ttl_seconds;
  settings.refresh_token_ttl_seconds = config.refresh_token_ttl_seconds;
  settings.argon2 = {config.argon2_memory_kib, config.argon2_iterations, config.argon2_parallelism};
  settings.login_failures_per_username = config.login_failures_per_username;
  settings.login_failures_per_ip = config.login_failures_per_ip;
  settings.login_failure_window_seconds = config.login_failure_window_seconds;
  settings.registrations_per_ip_per_hour = config.registrations_per_ip_per_hour;
  settings.limits = domain_limits(config);
  return settings;
}

transport::http::ServerOptions server_options(const config::Config& config) {
  transport::http::ServerOptions options;
  options.host = config.host;
  options.port = config.port;
  options.io_threads = config.threads;
  options.worker_threads = config.worker_threads;
  options.max_body_bytes = config.max_body_bytes;
  options.header_timeout = std::chrono::seconds(config.header_timeout_seconds);
  options.idle_timeout = std::chrono::seconds(config.idle_timeout_seconds);
  options.request_timeout = std::chrono::seconds(config.request_timeout_seconds);
  options.shutdown_grace = std::chrono::seconds(config.shutdown_grace_seconds);
  options.cors_origins = config.cors_origins;
  options.behind_tls = config.behind_tls;
  options.hsts_max_age_seconds = config.hsts_max_age_seconds;
  options.max_connections = config.max_connections;
  options.loop_lag_probe = std::chrono::milliseconds(config.loop_lag_probe_ms);
  return options;
}

/// Everything a running node owns, built in dependency order and torn down in reverse.
struct Node {
  /// With the SQLite store: says a process uses the data dir, so a restore waits (first
  /// in, last out: held until the store is closed).
  DataDirLock data_dir_lock;
  /// With a redis:// bus: every Redis user's connection runs on a link made here.
  std::unique_ptr<redis::Client> redis;
  // First in, last out: the node number stays registered until everything else is gone.
  std::unique_ptr<cluster::NodeDirectory> directory;
  util::SystemClock clock;
  std::unique_ptr<util::IdGenerator> ids;
  std::unique_ptr<store::Store> store;
  std::function<void()> close_store;
  bool postgres = false;  // the store is PostgreSQL (its health families are exported)
  /// This node's own buckets: the per-address HTTP limit, which runs on every request.
  std::shared_ptr<ratelimit::LocalRateLimiter> limiter;
  /// Per-user and per-account limits: shared by the nodes in Redis with a redis:// bus,
  /// else `limiter` itself.
  std::shared_ptr<ratelimit::RateLimiter> user_limiter;
  std::unique_ptr<services::AuthService> auth;
  std::unique_ptr<services::UserService> users;
  std::unique_ptr<services::ConversationService> conversations;
  std::unique_ptr<services::MessageService> messages;
  std::unique_ptr<blob::BlobStore> blobs;
  /// libvips for the whole process: started here once, shut down with the node.
  std::unique_ptr<media::VipsThumbnailer> thumbnails;
  std::unique_ptr<services::UploadService> uploads;
  std::unique_ptr<jobs::UploadSweeper> sweeper;
  std::unique_ptr<bus::Bus> bus;
  /// Who is online on any node (Redis with a redis:// bus); offline_among is for background work.
  std::unique_ptr<presence::PresenceDirectory> presence_directory;
  std::unique_ptr<realtime::BusPublisher> publisher;
  services::PublisherFanout publishers;  // the bus publisher first, then the event log's
  JobsBackend jobs;
  std::unique_ptr<services::RetentionService> retention;
  std::unique_ptr<jobs::RetentionSweeper> retention_sweeper;
};

Result<std::unique_ptr<Node>> build_node(const config::Config& config) {
  std::error_code ec;
  const bool created = std::filesystem::create_directories(config.data_dir, ec);
  if (ec) return Error::internal("TALKLINE_DATA_DIR: cannot create " + config.data_dir + ": " + ec.message());
  // The database holds password and token hashes: a new data dir is the owner's alone.
  if (created) std::filesystem::permissions(config.data_dir, std::filesystem::perms::owner_all, ec);
  TL_TRY_ASSIGN(auto key, load_signing_key(config.jwt_secret, config.data_dir));

  auto node = std::make_unique<Node>();
  if (config.store == "sqlite") {
    TL_TRY_ASSIGN(node->data_dir_lock, DataDirLock::take(config.data_dir, DataDirLock::Mode::shared));
  }
  TL_TRY_ASSIGN(node->redis, open_redis_client(config));
  TL_TRY_ASSIGN(node->directory, open_node_directory(config, node->redis.get()));
  node->ids = std::make_unique<util::IdGenerator>(node_id(config, node->directory.get()));
  TL_TRY_ASSIGN(StoreBackend backend, open_store_backend(config));
  node->store = std::move(backend.store);
  node->close_store = std::move(backend.close);
  node->postgres = config.store.rfind("postgres", 0) == 0;
  node->limiter = std::make_shared<ratelimit::LocalRateLimiter>(node->clock);
  node->user_limiter = open_ratelimit_backend(config, node->redis.get(), node->clock, node->limiter);

  const auto limits = domain_limits(config);
  node->auth = std::make_unique<services::AuthService>(*node->store, *node->ids, node->clock, *node->user_limiter,
                                                       auth_settings(config, std::move(key)));
  node->users = std::make_unique<services::UserService>(*node->store, limits);
  node->conversations = std::make_unique<services::ConversationService>(*node->store, *node->ids, node->clock, limits);
  node->messages =
      std::make_unique<services::MessageService>(*node->store, *node->conversations, *node->ids, node->clock, limits);

  TL_TRY_ASSIGN(node->blobs, open_blob_backend(config));
  node->thumbnails =
      std::make_unique<media::VipsThumbnailer>(config.thumbnail_max_pixels, config.thumbnail_max_source_pixels);
  if (media::VipsThumbnailer::module_path().empty()) {
    util::log::warn("thumbnails.off", {{"reason", std::string_view("the libvips module is not installed")}});
  }
  node->uploads = std::make_unique<services::UploadService>(
      *node->store, *node->blobs, node->thumbnails.get(), *node->ids, node->clock,
      services::UploadSettings{config.upload_max_bytes, config.upload_bytes_per_user_per_day,
                               config.upload_allowed_types});
  node->sweeper = std::make_unique<jobs::UploadSweeper>(
      *node->store, *node->blobs, node->clock,
      jobs::UploadSweepOptions{std::chrono::seconds(config.upload_unattached_ttl_seconds),
                               std::chrono::seconds(config.upload_sweep_interval_seconds), config.upload_sweep_batch});

  // Changes made over HTTP and over sockets reach live connections the same way.
  TL_TRY_ASSIGN(node->bus, open_bus_backend(config, node->redis.get()));
  node->publisher = std::make_unique<realtime::BusPublisher>(*node->bus);
  node->publishers.add(node->publisher.get());
  node->auth->publish_to(&node->publishers);
  node->conversations->publish_to(&node->publishers);
  node->messages->publish_to(&node->publishers);
  node->presence_directory = open_presence_backend(config, node->redis.get());
  return node;
}

// What /metrics samples from the node's parts at scrape time. The node outlives the
// server, and so every scrape.
NodeSources node_sources(const Node& node, const std::shared_ptr<realtime::Gateway>& gateway,
                         const std::shared_ptr<transport::engineio::Server>& endpoint) {
  NodeSources sources;
  sources.socket_connections = [gateway] { return gateway->connection_count(); };
  sources.engineio_sessions = [endpoint] { return endpoint->session_count(); };
  sources.postgres = node.postgres;
  if (node.redis) {
    sources.redis_up = [redis = node.redis.get()] {
      for (const auto& role : redis->report()) {
        if (role.up < role.links) return false;
      }
      return true;
    };
  }
  if (const auto* redis_bus = dynamic_cast<const bus::redis::RedisBus*>(node.bus.get())) {
    sources.redis_bus = [redis_bus] {
      const auto stats = redis_bus->stats();
      return NodeSources::BusStats{stats.published, stats.dropped, stats.queued_bytes};
    };
  }
  sources.jobs = [&jobs = node.jobs] {
    NodeSources::JobStats stats;
    if (jobs.notifier) {
      const auto notifier = jobs.notifier->stats();
      stats.attempts = notifier.delivered + notifier.failed_attempts;
      stats.failures = notifier.failed_attempts;
      stats.dead_letters = notifier.dead_lettered;
      stats.retrying = notifier.retrying;
    }
    if (jobs.log) {
      const auto log = jobs.log->stats();
      stats.log_queued = log.queued;
      stats.log_dropped = log.dropped;
    }
    return stats;
  };
  return sources;
}

void report(const Error& error) {
  std::cerr << "talkline: " << error.message << "\n";
  for (const auto& field : error.fields) std::cerr << "  " << field.field << ": " << field.message << "\n";
}

}  // namespace

int serve(const config::Config& config) {
  init_logging(config);
  auto built = build_node(config);
  if (!built.ok()) {
    report(built.error());
    return 1;
  }
  auto node = std::move(built).value();

  if (!config.admin_username.empty()) {
    auto admin = node->auth->ensure_admin(config.admin_username, config.admin_password);
    if (!admin.ok()) {
      std::cerr << "talkline: TALKLINE_ADMIN_USERNAME / TALKLINE_ADMIN_PASSWORD: cannot create the admin\n";
      report(admin.error());
      return 1;
    }
    util::log::info("admin.ensured", {{"username", admin->username}});
  }

  // Background jobs; "offline" is what the cluster-wide presence directory says.
  auto offline_among = [directory = node->presence_directory.get()](const std::vector<model::Id>& users) {
    return directory->offline_among(users);
  };
  // The webhook carries the message as it is when posted, read by its seq.
  auto current_message = [store = node->store.get(), limits = domain_limits(config)](
                             model::Id conversation_id, model::Seq seq) -> Result<std::optional<model::Message>> {
    TL_TRY_ASSIGN(auto found, store->message_list(conversation_id, std::nullopt, seq - 1, 1));
    if (found.empty() || found.front().seq != seq) return std::optional<model::Message>();
    services::cut_reply_previews(found.front(), limits);
    return std::optional<model::Message>(std::move(found.front()));
  };
  auto jobs = open_jobs_backend(config, node->redis.get(), offline_among, current_message);
  if (!jobs.ok()) {
    report(jobs.error());
    return 1;
  }
  node->jobs = std::move(jobs).value();
  node->publishers.add(node->jobs.publisher.get());
  node->retention = std::make_unique<services::RetentionService>(
      *node->store, node->clock, services::RetentionSettings{retention_ms(config), config.retention_batch});
  node->retention->publish_to(&node->publishers);
  node->retention_sweeper =
      std::make_unique<jobs::RetentionSweeper>(*node->retention, std::chrono::seconds(config.retention_sweep_seconds));

  api::v1::ApiContext context;
  context.auth = node->auth.get();
  context.users = node->users.get();
  context.conversations = node->conversations.get();
  context.messages = node->messages.get();
  context.uploads = node->uploads.get();
  context.upload_max_bytes = config.upload_max_bytes;
  context.downloads = std::make_shared<api::v1::DownloadSlots>(config.downloads_max_concurrent);
  context.readiness = [store = node->store.get()] { return store->ping(); };
  // Without these the node still serves its own users: /readyz says "degraded", not 503.
  context.soft_checks.push_back({"bus", [bus = node->bus.get()] { return bus->healthy(); }});
  if (node->user_limiter != node->limiter) {
    context.soft_checks.push_back({"rateLimits", [limiter = node->user_limiter.get()] { return limiter->healthy(); }});
  }
  context.max_id_list = static_cast<std::size_t>(config.group_max_members);

  auto gateway = std::make_shared<realtime::Gateway>(
      realtime_options(config),
      realtime::Gateway::Services{*node->auth, *node->users, *node->conversations, *node->messages, *node->user_limiter,
                                  node->clock, *node->presence_directory},
      *node->bus);
  auto socket_endpoint = make_socket_endpoint(config, *gateway, cluster_routing(node->directory.get()));

  auto metrics = std::make_shared<HttpMetrics>();
  metrics->add_collectable(std::make_shared<NodeCollector>(node_sources(*node, gateway, socket_endpoint)));
  std::function<void()> redis_links = [] {};
  if (node->redis) redis_links = redis_metrics(*node->redis, metrics->registry());
  context.metrics_text = [metrics, redis_links = std::move(redis_links)] {
    redis_links();
    return metrics->render();
  };
  transport::http::Router router;
  router.set_decorator([metrics](const transport::http::RouteInfo& route, transport::http::Handler handler) {
    return metrics->instrument(route, std::move(handler));
  });
  api::v1::register_routes(router, context);
  mount_web(router, config);

  auto options = server_options(config);
  auto proxies = transport::http::TrustedProxies::parse(config.trusted_proxies);
  if (!proxies.ok()) {
    report(proxies.error());
    return 1;
  }
  options.trusted_proxies = std::move(proxies).value();
  if (config.requests_per_minute_per_ip > 0) {
    options.rate_limiter = node->limiter;
    options.per_ip_limit = {static_cast<double>(config.requests_per_minute_per_ip),
                            config.requests_per_minute_per_ip / 60.0};
  }

  // Close the store only after the last in-flight request has been answered and the
  // gateway's workers have stopped.
  options.on_shutdown = [&node, &gateway] {
    gateway->stop();
    node->retention_sweeper->stop();
    node->jobs.stop();
    node->sweeper->stop();
    node->close_store();
  };

  transport::http::Server server(std::move(options), std::move(router));
  server.add_stream_handler("/socket.io/", socket_endpoint);
  gateway->start();
  node->sweeper->start();
  auto port = server.listen();
  if (!port.ok()) {
    report(port.error());
    return 1;
  }
  if (node->directory) node->directory->advertise(node_address(config, *port));
  const std::string store_name = store_description(config.store);
  const std::string bus_name = bus_description(config.bus);
  util::log::info("server.listening", {{"host", std::string_view(config.host)},
                                       {"port", static_cast<std::int64_t>(*port)},
                                       {"node_id", static_cast<std::int64_t>(node->ids->node_id())},
                                       {"store", std::string_view(store_name)},
                                       {"bus", std::string_view(bus_name)},
                                       {"data_dir", std::string_view(config.data_dir)}});
  server.run();
  util::log::info("server.stopped");
  util::log::flush();
  return 0;
}

int admin_create(const config::Config& config, const std::string& username, const std::string& password) {
  init_logging(config);
  auto built = build_node(config);
  if (!built.ok()) {
    report(built.error());
    return 1;
  }
  auto node = std::move(built).value();
  auto admin = node->auth->ensure_admin(username, password);
  node->close_store();
  if (!admin.ok()) {
    report(admin.error());
    return 1;
  }
  std::cout << "admin " << admin->username << " (id " << admin->id << ") is ready\n";
  util::log::flush();
  return 0;
}

}  // namespace talkline::app
