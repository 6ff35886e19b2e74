#include "cluster/node_directory.hpp"

#include <pthread.h>
#include <random>
#include <utility>

#include "util/crypto.hpp"
#include "util/log.hpp"

namespace talkline::cluster {

namespace {

using Clock = std::chrono::steady_clock;

// Our registration is "<token> <address>"; it is ours while the token matches. A
// missing key (expired during an outage) is simply taken again.
constexpr const char* kRenewScript = R"lua(
local current = redis.call('GET', KEYS[1])
if current and string.sub(current, 1, string.len(ARGV[1]) + 1) ~= ARGV[1] .. ' ' then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1
)lua";

constexpr const char* kReleaseScript = R"lua(
local current = redis.call('GET', KEYS[1])
if current and string.sub(current, 1, string.len(ARGV[1]) + 1) == ARGV[1] .. ' ' then
  return redis.call('DEL', KEYS[1])
end
return 0
)lua";

// Unknown numbers are asked again soon: a node that just started is not yet cached.
constexpr auto kNegativeCache = std::chrono::milliseconds(1000);

std::optional<std::string> address_in(std::string_view value) {
  auto space = value.find(' ');
  if (space == std::string_view::npos || space + 1 == value.size()) return std::nullopt;
  return std::string(value.substr(space + 1));
}

int random_start(int range) {
  std::random_device device;
  return static_cast<int>(device() % static_cast<unsigned>(range));
}

}  // namespace

Result<std::unique_ptr<NodeDirectory>> NodeDirectory::open(const redis::Client& client, NodeDirectoryOptions options,
                                                           std::function<void()> on_lost) {
  std::unique_ptr<NodeDirectory> directory(new NodeDirectory(client, std::move(options), std::move(on_lost)));
  TL_TRY(directory->register_at_start());
  directory->thread_ = std::thread([raw = directory.get()] {
    pthread_setname_np(pthread_self(), "tl-node-lease");
    raw->run();
  });
  return directory;
}

NodeDirectory::NodeDirectory(const redis::Client& client, NodeDirectoryOptions options, std::function<void()> on_lost)
    : options_(std::move(options)), token_(util::random_token(12)), on_lost_(std::move(on_lost)) {
  link_ = client.link({.role = "node-directory", .on_connect = [this](redis::Connection&) {
                         fresh_connection_ = true;
                         return true;
                       }});
}

NodeDirectory::~NodeDirectory() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  link_->stop();
  if (thread_.joinable()) thread_.join();
}

// One attempt at Redis, on the caller's thread, before the directory's thread exists.
Result<void> NodeDirectory::register_at_start() {
  auto* link = link_->get();
  fresh_connection_ = false;  // registered just now
  if (options_.fixed_id) {
    if (link != nullptr) return take_configured(*link, *options_.fixed_id);
    // The number is the operator's promise; the registration follows when Redis returns.
    node_id_ = *options_.fixed_id;
    util::log::warn("cluster.node_unregistered", {{"node_id", static_cast<std::int64_t>(node_id_)},
                                                  {"detail", "Redis unreachable; registering when it returns"}});
    return ok_result();
  }
  if (link == nullptr) {
    return Error::unavailable(
        "TALKLINE_NODE_ID=auto needs Redis to lease a node number, and Redis is unreachable; start Redis or set "
        "TALKLINE_NODE_ID");
  }
  return lease_free(*link);
}

// Takes the configured number, replacing a stale registration of it (e.g. this node
// before a restart).
Result<void> NodeDirectory::take_configured(redis::Connection& link, int id) {
  const std::string lease_ms = std::to_string(options_.lease.count());
  auto previous = link.command({"SET", key_of(id), token_ + " ", "PX", lease_ms, "GET"});
  if (previous.is_error()) {
    // Redis before 6.2 has no SET … GET; the registration itself matters more.
    previous = link.command({"SET", key_of(id), token_ + " ", "PX", lease_ms});
  }
  if (previous.missing() || previous.is_error()) {
    return Error::unavailable("TALKLINE_BUS: cannot register node " + std::to_string(id) + " in Redis");
  }
  if (previous.is_string() && previous.text() != "OK") {
    util::log::info("cluster.node_reregistered",
                    {{"node_id", static_cast<std::int64_t>(id)},
                     {"detail", "replaced an earlier registration of this number (a restart of this node?)"}});
  }
  node_id_ = id;
  return ok_result();
}

Result<void> NodeDirectory::lease_free(redis::Connection& link) {
  const std::string lease_ms = std::to_string(options_.lease.count());
  const int range = options_.max_id;
  const int start = random_start(range);
  for (int i = 0; i < range; ++i) {
    const int id = 1 + (start + i) % range;
    auto taken = link.command({"SET", key_of(id), token_ + " ", "NX", "PX", lease_ms});
    if (taken.missing() || taken.is_error()) {
      return Error::unavailable("TALKLINE_NODE_ID=auto: Redis failed while leasing a node number");
    }
    if (taken.is_string()) {
      util::log::info("cluster.node_leased", {{"node_id", static_cast<std::int64_t>(id)}});
      node_id_ = id;
      return ok_result();
    }
  }
  return Error::unavailable("TALKLINE_NODE_ID=auto: every node number in [1, " + std::to_string(range) + "] is leased");
}

std::string NodeDirectory::key_of(int id) const { return options_.key_prefix + "node:" + std::to_string(id); }

std::string NodeDirectory::value() const {
  std::lock_guard lock(mutex_);
  return token_ + " " + address_;
}

void NodeDirectory::advertise(std::string address) {
  {
    std::lock_guard lock(mutex_);
    address_ = std::move(address);
    address_changed_ = true;
  }
  wake_.notify_all();
}

void NodeDirectory::locate(int id, Located done) {
  std::optional<std::string> known;
  {
    std::lock_guard lock(mutex_);
    auto it = cache_.find(id);
    const auto age = Clock::now() - (it == cache_.end() ? Clock::time_point{} : it->second.fetched);
    const auto fresh_for = it != cache_.end() && it->second.address ? options_.address_cache : kNegativeCache;
    if (it == cache_.end() || age >= fresh_for) {
      lookups_.emplace_back(id, std::move(done));
      wake_.notify_all();
      return;
    }
    known = it->second.address;
  }
  done(std::move(known));
}

void NodeDirectory::run() {
  auto next_renewal = Clock::now() + options_.lease / 3;
  bool lost = false;
  bool register_now = false;  // the address changed, or a renewal went unanswered
  for (;;) {
    std::vector<std::pair<int, Located>> lookups;
    {
      // While Redis is away there is nothing to renew: wake when the link may try again.
      const auto wake_at = link_->current() != nullptr ? next_renewal : link_->next_attempt();
      std::unique_lock lock(mutex_);
      wake_.wait_until(lock, wake_at, [&] { return stopping_ || !lookups_.empty() || address_changed_; });
      if (stopping_) break;
      lookups.assign(std::make_move_iterator(lookups_.begin()), std::make_move_iterator(lookups_.end()));
      lookups_.clear();
      register_now = std::exchange(address_changed_, false) || register_now;
    }
    auto* link = link_->get();
    if (link == nullptr) {
      answer_lookups_from_cache(lookups);
      continue;
    }
    // A fresh connection may follow an outage: register again at once.
    register_now = std::exchange(fresh_connection_, false) || register_now;
    if (!lost && (register_now || Clock::now() >= next_renewal)) {
      auto renewed = link->command(
          {"EVAL", kRenewScript, "1", key_of(node_id_), token_, value(), std::to_string(options_.lease.count())});
      if (renewed.is_integer() && renewed.integer() == 0) {
        lost = true;
        util::log::error("cluster.node_id_lost", {{"node_id", static_cast<std::int64_t>(node_id_)},
                                                  {"detail", "another node holds this node number; stopping"}});
        if (on_lost_) on_lost_();
      } else if (renewed.is_integer()) {
        next_renewal = Clock::now() + options_.lease / 3;
      }
      register_now = renewed.missing();  // again on the next connection
    }
    answer_lookups(*link, lookups);
  }
  if (auto* link = link_->current(); link != nullptr && !lost) release(*link);
}

void NodeDirectory::answer_lookups(redis::Connection& link, std::vector<std::pair<int, Located>>& lookups) {
  if (lookups.empty()) return;
  for (const auto& [id, done] : lookups) link.append({"GET", key_of(id)});
  std::vector<std::optional<std::string>> found;
  found.reserve(lookups.size());
  bool failed = false;
  for (std::size_t i = 0; i < lookups.size(); ++i) {
    auto reply = link.read();
    if (reply.missing()) failed = true;
    found.push_back(reply.is_string() ? address_in(reply.text()) : std::nullopt);
  }
  if (failed) {
    answer_lookups_from_cache(lookups);
    return;
  }
  {
    std::lock_guard lock(mutex_);
    const auto now = Clock::now();
    for (std::size_t i = 0; i < lookups.size(); ++i) cache_[lookups[i].first] = Cached{found[i], now};
  }
  for (std::size_t i = 0; i < lookups.size(); ++i) lookups[i].second(std::move(found[i]));
}

// While Redis is away, a known address (however old) is a better guess than none.
void NodeDirectory::answer_lookups_from_cache(std::vector<std::pair<int, Located>>& lookups) {
  for (auto& [id, done] : lookups) {
    std::optional<std::string> known;
    {
      std::lock_guard lock(mutex_);
      if (auto it = cache_.find(id); it != cache_.end()) known = it->second.address;
    }
    done(std::move(known));
  }
}

void NodeDirectory::release(redis::Connection& link) {
  link.command({"EVAL", kReleaseScript, "1", key_of(node_id_), token_});
}

}  // namespace talkline::cluster
