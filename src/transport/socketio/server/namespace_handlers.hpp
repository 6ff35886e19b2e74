#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "transport/socketio/server/socket.hpp"

namespace talkline::transport::socketio {

/// Why a namespace refused a CONNECT; sent to the client as CONNECT_ERROR.
struct ConnectRefusal {
  std::string message;
  std::optional<Json> data;
};

/// Call exactly once, from any thread: nullopt accepts, a refusal refuses.
using ConnectCallback = std::function<void(std::optional<ConnectRefusal>)>;

/// What a namespace does. Every handler may be empty. All but `authorize`'s callback
/// run on the connection's event loop: they must not block.
struct NamespaceHandlers {
  /// Decides on a CONNECT, perhaps asynchronously (a token check off the I/O
  /// thread). The socket is not connected yet; set_data on it is fine. Empty: accept.
  std::function<void(const std::shared_ptr<Socket>&, ConnectCallback)> authorize;
  /// After the CONNECT answer went out.
  std::function<void(const std::shared_ptr<Socket>&)> on_connection;
  /// An EVENT from the client; `ack` is empty unless the client asked for an answer.
  std::function<void(const std::shared_ptr<Socket>&, const std::string& event, Json::array_t args, Ack ack)> on_event;
  /// Once per connected socket, whoever ended it: "client namespace disconnect",
  /// "server namespace disconnect", or the Engine.IO close reason.
  std::function<void(const std::shared_ptr<Socket>&, const std::string& reason)> on_disconnect;
};

}  // namespace talkline::transport::socketio
