#include "support/redis_server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

#include "support/server_process.hpp"

namespace talkline::testing {

namespace {

std::filesystem::path find_binary() {
  const char* configured = std::getenv("TALKLINE_REDIS_SERVER");
  if (configured != nullptr && *configured != '\0') return configured;
  for (const char* candidate : {"/usr/bin/redis-server", "/usr/local/bin/redis-server"}) {
    if (access(candidate, X_OK) == 0) return candidate;
  }
  return "/usr/bin/redis-server";
}

// True when something on 127.0.0.1:port answers PING with +PONG.
bool answers_ping(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  timeval timeout{1, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = false;
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0) {
    const char ping[] = "PING\r\n";
    char answer[16] = {};
    if (send(fd, ping, sizeof(ping) - 1, MSG_NOSIGNAL) == sizeof(ping) - 1 && recv(fd, answer, 7, 0) >= 7) {
      ok = std::string(answer, 7) == "+PONG\r\n";
    }
  }
  close(fd);
  return ok;
}

}  // namespace

RedisServer::RedisServer() : bin_(find_binary()) {
  if (access(bin_.c_str(), X_OK) != 0) {
    throw std::runtime_error(
        "redis-server not found: " + bin_.string() +
        " is missing (install redis-server: scripts/install-deps.sh, or set TALKLINE_REDIS_SERVER)");
  }
  dir_ = make_temp_dir("talkline-redis");
  try {
    start();
  } catch (...) {
    stop();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
    throw;
  }
}

RedisServer::~RedisServer() {
  stop();
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

RedisServer& RedisServer::shared() {
  static RedisServer server;
  return server;
}

void RedisServer::start() {
  // A port found free can be taken before the server binds it; another one is tried
  // then, but only for the first start: a restart must come back on the same port.
  const bool restart = port_ != 0;
  for (int attempt = 0; attempt < 3; ++attempt) {
    if (!restart && (port_ == 0 || attempt > 0)) port_ = free_loopback_port();
    const std::vector<std::string> argv = {bin_.string(),
                                           "--port",
                                           std::to_string(port_),
                                           "--bind",
                                           "127.0.0.1",
                                           "--save",
                                           "",
                                           "--appendonly",
                                           "no",
                                           "--dir",
                                           dir_.string(),
                                           "--daemonize",
                                           "no",
                                           "--logfile",
                                           (dir_ / "redis.log").string()};
    pid_ = spawn_child(argv, ChildOptions{});
    try {
      wait_until_ready();
      return;
    } catch (const std::exception&) {
      stop();
      if (attempt == 2) throw;
    }
  }
}

void RedisServer::wait_until_ready() {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    if (answers_ping(port_)) return;
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("redis-server exited while starting:\n" + log_tail());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  throw std::runtime_error("redis-server did not answer PING within 20 s:\n" + log_tail());
}

void RedisServer::stop() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);  // works on a paused server too
  int status = 0;
  while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
}

void RedisServer::pause() {
  if (pid_ > 0) kill(pid_, SIGSTOP);
}

void RedisServer::resume() {
  if (pid_ > 0) kill(pid_, SIGCONT);
}

std::string RedisServer::log_tail() const {
  std::ifstream log(dir_ / "redis.log");
  std::stringstream text;
  text << log.rdbuf();
  std::string all = text.str();
  return all.size() > 4000 ? all.substr(all.size() - 4000) : all;
}

redis::ClientOptions RedisServer::client_options() const {
  redis::ClientOptions options;
  options.endpoint.port = port_;
  options.connect.connect_timeout = std::chrono::milliseconds(1000);
  options.connect.io_timeout = std::chrono::milliseconds(1500);
  options.min_backoff = std::chrono::milliseconds(20);
  options.max_backoff = std::chrono::milliseconds(200);
  return options;
}

}  // namespace talkline::testing
