#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>

namespace talkline::testing {

/// A throwaway S3 service for tests: s3rver (npm @20minutes/s3rver, installed in
/// tests/e2e/node_modules by scripts/install-js-deps.sh) run by `node
/// tests/support/s3rver.mjs` on a free loopback port, storing into a fresh temporary
/// directory, with one bucket, bucket(), made before it listens. With `tls` it serves
/// HTTPS with a self-signed certificate for 127.0.0.1 (ca_file() trusts it). Killed, and
/// the directory deleted, on destruction.
///
/// A missing node or a server that does not start throws std::runtime_error with its
/// log, so the test fails loudly. Only missing node_modules is a reason to skip:
/// missing_reason() says so, and tests check it first.
///
/// The node binary is $TALKLINE_NODE, else node from /usr/bin or /usr/local/bin.
class S3Server {
 public:
  explicit S3Server(bool tls = false);
  ~S3Server();
  S3Server(const S3Server&) = delete;
  S3Server& operator=(const S3Server&) = delete;

  /// One plain-HTTP server and one HTTPS server for the whole test binary, started on
  /// first use.
  static S3Server& shared();
  static S3Server& shared_tls();

  /// Why no server can be started here (s3rver is not installed), or nullopt.
  static std::optional<std::string> missing_reason();

  /// "http://127.0.0.1:PORT" or "https://127.0.0.1:PORT".
  std::string endpoint() const;
  static std::string bucket() { return "talkline-test"; }
  /// s3rver's one account.
  static std::string access_key_id() { return "S3RVER"; }
  static std::string secret_access_key() { return "S3RVER"; }
  /// The PEM certificate an HTTPS server presents ("" for HTTP).
  std::string ca_file() const;
  int port() const { return port_; }

 private:
  void start();
  void stop();
  void make_certificate();
  void wait_until_listening();
  std::string log_tail() const;

  bool tls_;
  std::filesystem::path node_;
  std::filesystem::path dir_;
  int port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace talkline::testing
