#include "app/realtime_wiring.hpp"

#include "transport/http/cors_policy.hpp"
#include "transport/socketio/server/server.hpp"
#include "util/cores.hpp"

namespace talkline::app {

realtime::RealtimeOptions realtime_options(const config::Config& config) {
  realtime::RealtimeOptions options;
  options.max_connections_per_user = config.max_connections_per_user;
  options.max_connections_per_ip = config.max_connections_per_ip;
  options.idle_timeout = std::chrono::seconds(config.socket_idle_timeout_seconds);
  options.revalidate_every = std::chrono::seconds(config.socket_revalidate_seconds);
  options.send_limit = {static_cast<double>(config.message_burst_per_user),
                        static_cast<double>(config.messages_per_second_per_user)};
  options.typing_throttle = std::chrono::milliseconds(config.typing_throttle_ms);
  options.typing_expiry = std::chrono::milliseconds(config.typing_expiry_ms);
  options.gap_fill_delay = std::chrono::milliseconds(config.gap_fill_delay_ms);
  options.sync_page_size = std::min(config.sync_page_size, config.page_max_limit);
  options.workers = config.realtime_workers > 0 ? config.realtime_workers : util::usable_cores();
  options.send_buffer_bytes = config.socket_send_buffer_bytes;
  return options;
}

std::shared_ptr<transport::engineio::Server> make_socket_endpoint(
    const config::Config& config, realtime::Gateway& gateway,
    std::optional<transport::engineio::ClusterRouting> cluster) {
  transport::engineio::EngineOptions engine;
  engine.ping_interval = std::chrono::milliseconds(config.ping_interval_ms);
  engine.ping_timeout = std::chrono::milliseconds(config.ping_timeout_ms);
  engine.max_payload = config.socket_max_payload_bytes;
  engine.max_buffered_bytes = config.socket_send_buffer_bytes;
  engine.max_sessions = static_cast<std::size_t>(config.max_connections);
  engine.cluster = std::move(cluster);
  // The gateway reads only the bearer token from the handshake (and the remote address,
  // which is not a header); the rest would be held for the connection's whole life.
  engine.kept_handshake_headers = std::vector<std::string>{"Authorization"};
  // Browsers send Origin on WebSocket handshakes but CORS does not guard them, so
  // the allowlist is enforced here. Clients without an Origin (native apps) pass.
  engine.allow_request =
      [cors = transport::http::CorsPolicy(config.cors_origins)](
          const transport::http::Request& request) -> std::optional<transport::engineio::RequestError> {
    auto origin = request.header("Origin");
    if (origin && !cors.allows(*origin)) {
      return transport::engineio::make_request_error(transport::engineio::RequestErrorCode::forbidden,
                                                     "Origin not allowed");
    }
    return std::nullopt;
  };

  transport::socketio::ServerOptions socket_options;
  socket_options.connect_timeout = std::chrono::milliseconds(config.socket_connect_timeout_ms);
  transport::socketio::Server io(socket_options);
  io.on("/", gateway.handlers());
  return std::make_shared<transport::engineio::Server>(std::move(engine), io.connection_handler());
}

}  // namespace talkline::app
