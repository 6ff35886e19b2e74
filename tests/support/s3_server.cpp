#include "support/s3_server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
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

#ifndef TALKLINE_SOURCE_DIR
#error "TALKLINE_SOURCE_DIR must name the repository (tests/CMakeLists.txt sets it)"
#endif

namespace talkline::testing {

namespace {

const std::filesystem::path kSourceDir = TALKLINE_SOURCE_DIR;

std::filesystem::path script() { return kSourceDir / "tests/support/s3rver.mjs"; }
std::filesystem::path package_dir() { return kSourceDir / "tests/e2e/node_modules/@20minutes/s3rver"; }

std::filesystem::path find_node() {
  const char* configured = std::getenv("TALKLINE_NODE");
  if (configured != nullptr && *configured != '\0') return configured;
  for (const char* candidate : {"/usr/bin/node", "/usr/local/bin/node"}) {
    if (access(candidate, X_OK) == 0) return candidate;
  }
  return "/usr/bin/node";
}

bool accepts_connections(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
  close(fd);
  return ok;
}

// Runs argv with stdout and stderr appended to `log`; returns the exit status.
int run_to_log(const std::vector<std::string>& argv, const std::filesystem::path& log) {
  ChildOptions options;
  options.log = log;
  options.search_path = true;
  return wait_for_child(spawn_child(argv, options));
}

}  // namespace

std::optional<std::string> S3Server::missing_reason() {
  if (std::filesystem::exists(package_dir())) return std::nullopt;
  return "s3rver is not installed: " + package_dir().string() +
         " is missing (run scripts/install-js-deps.sh, or `npm ci` in tests/e2e)";
}

S3Server::S3Server(bool tls) : tls_(tls), node_(find_node()) {
  if (const auto missing = missing_reason()) throw std::runtime_error(*missing);
  if (access(node_.c_str(), X_OK) != 0) {
    throw std::runtime_error("node not found: " + node_.string() +
                             " is missing (install nodejs: scripts/install-deps.sh, or set TALKLINE_NODE)");
  }
  dir_ = make_temp_dir("talkline-s3");
  std::filesystem::create_directory(dir_ / "data");
  try {
    if (tls_) make_certificate();
    start();
  } catch (...) {
    stop();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
    throw;
  }
}

S3Server::~S3Server() {
  stop();
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

S3Server& S3Server::shared() {
  static S3Server server(false);
  return server;
}

S3Server& S3Server::shared_tls() {
  static S3Server server(true);
  return server;
}

std::string S3Server::endpoint() const {
  return std::string(tls_ ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_);
}

std::string S3Server::ca_file() const { return tls_ ? (dir_ / "cert.pem").string() : std::string(); }

// A self-signed certificate for the address 127.0.0.1 (subjectAltName IP), valid a day.
void S3Server::make_certificate() {
  const std::vector<std::string> argv = {"openssl",  "req",
                                         "-x509",    "-newkey",
                                         "rsa:2048", "-nodes",
                                         "-keyout",  (dir_ / "key.pem").string(),
                                         "-out",     (dir_ / "cert.pem").string(),
                                         "-days",    "1",
                                         "-subj",    "/CN=127.0.0.1",
                                         "-addext",  "subjectAltName=IP:127.0.0.1"};
  if (run_to_log(argv, dir_ / "openssl.log") != 0) {
    throw std::runtime_error("s3 test server: openssl could not make a certificate:\n" + log_tail());
  }
}

void S3Server::start() {
  // A port found free can be taken before the server binds it: try another then.
  for (int attempt = 0; attempt < 3; ++attempt) {
    port_ = free_loopback_port();
    // s3rver makes its continuation tokens with DES, which OpenSSL 3 keeps in the
    // legacy provider: without it every truncated listing page is a 500.
    std::vector<std::string> argv = {node_.string(),        "--openssl-legacy-provider", script().string(),
                                     std::to_string(port_), (dir_ / "data").string(),    bucket()};
    if (tls_) {
      argv.push_back((dir_ / "key.pem").string());
      argv.push_back((dir_ / "cert.pem").string());
    }
    ChildOptions options;
    options.log = dir_ / "s3rver.log";
    pid_ = spawn_child(argv, options);
    try {
      wait_until_listening();
      return;
    } catch (const std::exception&) {
      stop();
      if (attempt == 2) throw;
    }
  }
}

void S3Server::wait_until_listening() {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    if (accepts_connections(port_)) return;
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("s3rver exited while starting:\n" + log_tail());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  throw std::runtime_error("s3rver did not listen within 30 s:\n" + log_tail());
}

void S3Server::stop() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  int status = 0;
  while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
}

std::string S3Server::log_tail() const {
  std::stringstream text;
  for (const char* name : {"openssl.log", "s3rver.log"}) {
    std::ifstream log(dir_ / name);
    text << log.rdbuf();
  }
  std::string all = text.str();
  return all.size() > 4000 ? all.substr(all.size() - 4000) : all;
}

}  // namespace talkline::testing
