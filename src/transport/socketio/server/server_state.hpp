#pragma once

#include <chrono>
#include <map>
#include <string>

#include "transport/socketio/codec/decoder.hpp"
#include "transport/socketio/server/namespace_handlers.hpp"

namespace talkline::transport::socketio {

struct ServerOptions {
  /// A connection that has joined no namespace by then is closed.
  std::chrono::milliseconds connect_timeout{45000};
  DecoderOptions decoder;
};

/// What every Client of one server reads; fixed once the server is attached.
struct ServerState {
  ServerOptions options;
  std::map<std::string, NamespaceHandlers, std::less<>> namespaces;
};

}  // namespace talkline::transport::socketio
