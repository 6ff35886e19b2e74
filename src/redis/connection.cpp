#include "redis/connection.hpp"

#include <hiredis/hiredis.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>

#include <utility>

#include "util/log.hpp"

namespace talkline::redis {

namespace {

timeval to_timeval(std::chrono::milliseconds ms) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(ms.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((ms.count() % 1000) * 1000);
  return tv;
}

std::vector<const char*> pointers(const std::vector<std::string>& argv, std::vector<std::size_t>& lengths) {
  std::vector<const char*> result;
  result.reserve(argv.size());
  lengths.clear();
  for (const auto& arg : argv) {
    result.push_back(arg.data());
    lengths.push_back(arg.size());
  }
  return result;
}

}  // namespace

Reply::Reply(redisReply* reply)
    : root_(reply,
            [](redisReply* r) {
              if (r != nullptr) freeReplyObject(r);
            }),
      node_(reply) {
  if (reply == nullptr) root_.reset();
}

bool Reply::is_error() const { return node_ != nullptr && node_->type == REDIS_REPLY_ERROR; }
bool Reply::is_nil() const { return node_ != nullptr && node_->type == REDIS_REPLY_NIL; }
bool Reply::is_integer() const { return node_ != nullptr && node_->type == REDIS_REPLY_INTEGER; }
bool Reply::is_string() const {
  return node_ != nullptr && (node_->type == REDIS_REPLY_STRING || node_->type == REDIS_REPLY_STATUS);
}
bool Reply::is_array() const { return node_ != nullptr && node_->type == REDIS_REPLY_ARRAY; }

std::string_view Reply::text() const {
  if (node_ == nullptr || node_->str == nullptr) return {};
  return {node_->str, node_->len};
}

long long Reply::integer() const { return is_integer() ? node_->integer : 0; }
std::size_t Reply::size() const { return is_array() ? node_->elements : 0; }

Reply Reply::at(std::size_t i) const {
  if (i >= size()) return {};
  return Reply(root_, node_->element[i]);
}

std::unique_ptr<Connection> Connection::open(const Endpoint& endpoint, const ConnectOptions& options,
                                             std::string_view role) {
  redisContext* context =
      redisConnectWithTimeout(endpoint.host.c_str(), endpoint.port, to_timeval(options.connect_timeout));
  auto fail = [&](std::string_view why) -> std::unique_ptr<Connection> {
    util::log::debug("redis.connect_failed", {{"role", role}, {"error", why}});
    if (context != nullptr) redisFree(context);
    return nullptr;
  };
  if (context == nullptr) return fail("out of memory");
  if (context->err != 0) return fail(context->errstr);
  redisSetTimeout(context, to_timeval(options.io_timeout));
  redisEnableKeepAlive(context);
  std::unique_ptr<Connection> connection(new Connection(context));
  if (!endpoint.password.empty()) {
    std::vector<std::string> auth{"AUTH"};
    if (!endpoint.username.empty()) auth.push_back(endpoint.username);
    auth.push_back(endpoint.password);
    auto answer = connection->command(auth);
    if (answer.is_error()) util::log::error("redis.auth_failed", {{"role", role}, {"error", answer.text()}});
    if (answer.missing() || answer.is_error()) {
      util::log::debug("redis.connect_failed", {{"role", role}, {"error", "AUTH failed"}});
      return nullptr;
    }
  }
  auto pong = connection->command({"PING"});
  if (pong.missing() || pong.is_error()) {
    util::log::debug("redis.connect_failed", {{"role", role}, {"error", "no answer to PING"}});
    return nullptr;
  }
  return connection;
}

Connection::~Connection() {
  if (context_ != nullptr) redisFree(context_);
}

Reply Connection::command(const std::vector<std::string>& argv) {
  append(argv);
  return read();
}

void Connection::append(const std::vector<std::string>& argv) {
  std::vector<std::size_t> lengths;
  auto args = pointers(argv, lengths);
  if (redisAppendCommandArgv(context_, static_cast<int>(args.size()), args.data(), lengths.data()) != REDIS_OK) {
    broken_ = true;
  }
}

Reply Connection::read() {
  if (broken_) return {};
  void* raw = nullptr;
  if (redisGetReply(context_, &raw) != REDIS_OK || raw == nullptr) {
    broken_ = true;
    return {};
  }
  return Reply(static_cast<redisReply*>(raw));
}

bool Connection::broken() const { return broken_ || context_->err != 0; }

bool Connection::closed_while_idle() const {
  pollfd fd{context_->fd, POLLIN, 0};
  return poll(&fd, 1, 0) > 0;
}

void block_sigpipe_in_this_thread() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

}  // namespace talkline::redis
