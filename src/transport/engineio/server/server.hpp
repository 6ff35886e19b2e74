#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "transport/engineio/codec/handshake.hpp"
#include "transport/engineio/server/engine_options.hpp"
#include "transport/engineio/server/session.hpp"
#include "transport/http/stream_handler.hpp"

namespace talkline::transport::engineio {

/// An Engine.IO v4 server, mounted on the HTTP server at a path prefix
/// (http::Server::add_stream_handler). It answers handshakes, long-polling GETs and
/// POSTs, WebSocket connections and upgrades, and hands every new session to the
/// layer above through `on_connection`, on the session's loop.
class Server : public http::StreamHandler, public std::enable_shared_from_this<Server> {
 public:
  using ConnectionHandler = std::function<void(const std::shared_ptr<Session>&)>;

  Server(EngineOptions options, ConnectionHandler on_connection);

  boost::asio::awaitable<http::StreamOutcome> handle(http::StreamContext& context) override;
  /// Closes every session (gracefully: queued packets still go out).
  void shutdown() override;
  /// Drops every session still open once the event loops are gone.
  void stopped() override;

  std::size_t session_count() const;
  const EngineOptions& options() const { return *options_; }

 private:
  struct Table {
    mutable std::mutex mutex;
    std::unordered_map<std::string, std::shared_ptr<Session>> sessions;
  };

  boost::asio::awaitable<http::StreamOutcome> open_polling(http::StreamContext& context, bool base64_binary);
  boost::asio::awaitable<http::StreamOutcome> open_websocket(http::StreamContext& context, bool base64_binary);
  boost::asio::awaitable<http::StreamOutcome> serve_polling(http::StreamContext& context,
                                                            std::shared_ptr<Session> session);
  boost::asio::awaitable<http::StreamOutcome> upgrade(http::StreamContext& context, std::shared_ptr<Session> session);
  /// For a sid this node does not hold: passes the request to the node that does, when
  /// there is a cluster and that node is known. nullopt when it did not.
  boost::asio::awaitable<std::optional<http::StreamOutcome>> forward_to_owner(http::StreamContext& context,
                                                                              const std::string& sid, bool websocket);
  /// Makes a session with a fresh sid and enters it in the table. Any thread.
  std::shared_ptr<Session> create_session(Loop loop, http::Request handshake, Transport transport, bool base64_binary);
  HandshakeInfo handshake_info(const std::string& sid, Transport transport) const;
  std::shared_ptr<Session> find(const std::string& sid) const;

  std::shared_ptr<const EngineOptions> options_;
  ConnectionHandler on_connection_;
  std::shared_ptr<Table> table_ = std::make_shared<Table>();
};

}  // namespace talkline::transport::engineio
