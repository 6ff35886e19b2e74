// protocol-echo: the reference server configuration of the Engine.IO and Socket.IO
// compliance suites, built on TalkLine's own protocol layers, so those layers can be
// tested against exactly what the specifications document.
//
//   protocol-echo --mode engineio   # /engine.io/: every message is sent back as it came
//   protocol-echo --mode socketio   # /socket.io/: "auth", "message-back", acks, /custom
//
// Both use pingInterval 300 ms, pingTimeout 200 ms, maxPayload 1000000,
// connectTimeout 1000 ms and CORS for any origin.

#include <CLI/CLI.hpp>
#include <chrono>
#include <iostream>
#include <memory>
#include <string>

#include "transport/engineio/server/server.hpp"
#include "transport/http/server.hpp"
#include "transport/socketio/server/server.hpp"
#include "util/log.hpp"

namespace {

using namespace talkline::transport;

engineio::EngineOptions reference_engine_options() {
  engineio::EngineOptions options;
  options.ping_interval = std::chrono::milliseconds(300);
  options.ping_timeout = std::chrono::milliseconds(200);
  options.max_payload = 1000000;
  return options;
}

class EchoListener : public engineio::SessionListener {
 public:
  explicit EchoListener(std::weak_ptr<engineio::Session> session) : session_(std::move(session)) {}
  void on_message(engineio::Packet packet) override {
    if (auto session = session_.lock()) session->send(std::move(packet));
  }
  void on_close(const std::string&) override {}

 private:
  std::weak_ptr<engineio::Session> session_;
};

std::shared_ptr<engineio::Server> engineio_echo() {
  return std::make_shared<engineio::Server>(reference_engine_options(),
                                            [](const std::shared_ptr<engineio::Session>& session) {
                                              session->set_listener(std::make_shared<EchoListener>(session));
                                            });
}

// The handshake auth as the reference exposes it: the CONNECT payload, or {} without one.
socketio::Json auth_of(const socketio::Socket& socket) {
  return socket.auth().is_null() ? socketio::Json::object() : socket.auth();
}

std::shared_ptr<engineio::Server> socketio_echo() {
  socketio::ServerOptions options;
  options.connect_timeout = std::chrono::milliseconds(1000);
  auto io = std::make_shared<socketio::Server>(options);

  socketio::NamespaceHandlers main;
  main.on_connection = [](const std::shared_ptr<socketio::Socket>& socket) {
    socket->emit("auth", {auth_of(*socket)});
  };
  main.on_event = [](const std::shared_ptr<socketio::Socket>& socket, const std::string& event,
                     socketio::Json::array_t args, socketio::Ack ack) {
    if (event == "message") {
      socket->emit("message-back", std::move(args));
    } else if (event == "message-with-ack" && ack) {
      ack(std::move(args));
    }
  };
  io->on("/", main);

  socketio::NamespaceHandlers custom;
  custom.on_connection = main.on_connection;
  io->on("/custom", custom);

  return std::make_shared<engineio::Server>(reference_engine_options(), io->connection_handler());
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{"Engine.IO / Socket.IO reference echo server"};
  std::string mode = "socketio";
  int port = 3000;
  std::string host = "127.0.0.1";
  cli.add_option("--mode", mode, "engineio or socketio")->check(CLI::IsMember({"engineio", "socketio"}));
  cli.add_option("--port", port, "listen port (0 picks one and prints it)")->check(CLI::Range(0, 65535));
  cli.add_option("--host", host, "listen address");
  CLI11_PARSE(cli, argc, argv);

  talkline::util::log::init(talkline::util::log::Level::warn, talkline::util::log::Format::logfmt);
  http::ServerOptions options;
  options.host = host;
  options.port = static_cast<std::uint16_t>(port);
  options.io_threads = 2;
  options.worker_threads = 2;
  options.cors_origins = {"*"};
  http::Server server(options, http::Router{});
  if (mode == "engineio") {
    server.add_stream_handler("/engine.io/", engineio_echo());
  } else {
    server.add_stream_handler("/socket.io/", socketio_echo());
  }
  auto bound = server.listen();
  if (!bound) {
    std::cerr << "protocol-echo: " << bound.error().message << "\n";
    return 1;
  }
  std::cout << "protocol-echo " << mode << " listening on " << host << ":" << *bound << std::endl;
  server.run();
  talkline::util::log::flush();
  return 0;
}
