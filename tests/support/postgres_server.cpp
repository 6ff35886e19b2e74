#include "support/postgres_server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <grp.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

#include "support/server_process.hpp"

namespace talkline::testing {

namespace {

constexpr const char* kDefaultBin = "/usr/lib/postgresql/15/bin";

// The account the server runs as: postgres when we are root, else ourselves.
const passwd* server_account() {
  if (geteuid() != 0) return nullptr;
  const passwd* account = getpwnam("postgres");
  if (account == nullptr)
    throw std::runtime_error("postgres test server: running as root but there is no postgres user");
  return account;
}

// In the child: drop to the server account and make sure the server dies with this
// process. The parent-death signal is set after the user switch, which would clear it.
void become_server_account(pid_t parent, const std::string& log) {
  if (const passwd* account = server_account()) {
    if (setgid(account->pw_gid) != 0 || initgroups(account->pw_name, account->pw_gid) != 0 ||
        setuid(account->pw_uid) != 0) {
      _exit(126);
    }
  }
  prctl(PR_SET_PDEATHSIG, SIGQUIT);
  if (getppid() != parent) _exit(125);
  int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (out >= 0) {
    dup2(out, STDOUT_FILENO);
    dup2(out, STDERR_FILENO);
    close(out);
  }
}

pid_t spawn(const std::vector<std::string>& argv, const std::string& log) {
  ChildOptions options;
  options.die_with_parent = false;  // set by become_server_account, after the user switch
  options.before_exec = [parent = getpid(), log] { become_server_account(parent, log); };
  return spawn_child(argv, options);
}

int wait_for(pid_t pid) { return wait_for_child(pid); }

}  // namespace

PostgresServer::PostgresServer() {
  const char* configured = std::getenv("TALKLINE_PG_BIN");
  bin_ = configured != nullptr && *configured != '\0' ? configured : kDefaultBin;
  for (const char* tool : {"initdb", "postgres"}) {
    if (access((bin_ / tool).c_str(), X_OK) != 0) {
      throw std::runtime_error("PostgreSQL binaries not found: " + (bin_ / tool).string() +
                               " is missing (install postgresql-15: scripts/install-deps.sh, or set TALKLINE_PG_BIN)");
    }
  }
  dir_ = make_temp_dir("talkline-pg");
  if (const passwd* account = server_account()) {
    if (chown(dir_.c_str(), account->pw_uid, account->pw_gid) != 0) {
      throw std::runtime_error("postgres test server: cannot hand " + dir_.string() + " to postgres");
    }
  }
  try {
    initdb();
    start();
  } catch (...) {
    stop();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
    throw;
  }
}

PostgresServer::~PostgresServer() {
  stop();
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

PostgresServer& PostgresServer::shared() {
  static PostgresServer server;
  return server;
}

void PostgresServer::initdb() {
  // --no-sync: a test cluster need not survive a power cut, and fsyncs are slow here.
  pid_t pid = spawn({(bin_ / "initdb").string(), "-D", (dir_ / "data").string(), "-U", "postgres", "-A", "trust", "-E",
                     "UTF8", "--locale=C.UTF-8", "--no-sync"},
                    (dir_ / "initdb.log").string());
  if (wait_for(pid) != 0) {
    std::ifstream log(dir_ / "initdb.log");
    std::stringstream text;
    text << log.rdbuf();
    throw std::runtime_error("initdb failed:\n" + text.str());
  }
}

void PostgresServer::start() {
  // A port found free can be taken before the server binds it; another one is tried then.
  for (int attempt = 0; attempt < 3; ++attempt) {
    if (port_ == 0 || attempt > 0) port_ = free_loopback_port();
    // Durability settings are off: the tests check behaviour, not crash safety, and a
    // cluster that fsyncs every commit makes the suite many times slower.
    pid_ = spawn({(bin_ / "postgres").string(), "-D", (dir_ / "data").string(), "-p", std::to_string(port_), "-k",
                  dir_.string(), "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "synchronous_commit=off",
                  "-c", "full_page_writes=off", "-c", "max_connections=200"},
                 (dir_ / "server.log").string());
    try {
      wait_until_ready();
      return;
    } catch (const std::exception&) {
      stop();
      if (attempt == 2) throw;
    }
  }
}

void PostgresServer::wait_until_ready() {
  std::string conninfo = "host=127.0.0.1 port=" + std::to_string(port_) + " user=postgres dbname=postgres";
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    if (PQping(conninfo.c_str()) == PQPING_OK) return;
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("postgres exited while starting:\n" + log_tail());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  throw std::runtime_error("postgres did not accept connections within 30 s:\n" + log_tail());
}

void PostgresServer::stop() {
  if (pid_ <= 0) return;
  // SIGINT is a fast shutdown: clients are disconnected, the data is kept consistent.
  kill(pid_, SIGINT);
  for (int i = 0; i < 200; ++i) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  kill(pid_, SIGKILL);
  wait_for(pid_);
  pid_ = -1;
}

std::string PostgresServer::url(const std::string& database) const {
  return "postgres://postgres@127.0.0.1:" + std::to_string(port_) + "/" + database;
}

std::string PostgresServer::create_database(const std::string& name) {
  execute("postgres", "CREATE DATABASE \"" + name + "\"");
  return url(name);
}

void PostgresServer::execute(const std::string& database, const std::string& sql) {
  std::lock_guard lock(admin_mutex_);
  std::unique_ptr<PGconn, void (*)(PGconn*)> admin(PQconnectdb(url(database).c_str()), PQfinish);
  if (PQstatus(admin.get()) != CONNECTION_OK) {
    throw std::runtime_error(std::string("postgres test server: ") + PQerrorMessage(admin.get()));
  }
  std::unique_ptr<PGresult, void (*)(PGresult*)> result(PQexec(admin.get(), sql.c_str()), PQclear);
  if (PQresultStatus(result.get()) != PGRES_COMMAND_OK) {
    throw std::runtime_error(sql + ": " + PQresultErrorMessage(result.get()));
  }
}

std::string PostgresServer::create_schema(const std::string& database, const std::string& schema) {
  execute(database, "CREATE SCHEMA \"" + schema + "\"");
  return url(database) + "?options=-csearch_path%3D" + schema + "%2Cpublic";
}

std::string PostgresServer::log_tail() const {
  std::ifstream log(dir_ / "server.log");
  std::stringstream text;
  text << log.rdbuf();
  std::string all = text.str();
  return all.size() > 4000 ? all.substr(all.size() - 4000) : all;
}

}  // namespace talkline::testing
