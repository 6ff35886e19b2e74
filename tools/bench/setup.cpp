#include "setup.hpp"

#include <atomic>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <stdexcept>

#include "api_client.hpp"

namespace talkline::bench {

namespace net = boost::asio;
using util::Json;

namespace {

using Job = std::function<net::awaitable<void>(ApiClient&, int)>;

struct ParallelState {
  std::atomic<int> next{0};
  std::atomic<int> workers_left{0};
  std::mutex mutex;
  std::string first_error;
  std::promise<void> done;
};

net::awaitable<void> run_worker(std::shared_ptr<ParallelState> state, ApiClient& client, int count, const Job& job) {
  for (;;) {
    const int index = state->next.fetch_add(1);
    if (index >= count) co_return;
    co_await job(client, index);
  }
}

// Runs job(client, i) for every i < count on `concurrency` workers, each with its own
// kept-alive connection. Returns when all are done; rethrows the first failure.
void run_parallel(IoPool& pool, const CommonOptions& options, int count, const Job& job) {
  auto state = std::make_shared<ParallelState>();
  const int workers = std::max(1, std::min(options.setup_concurrency, count));
  state->workers_left = workers;
  // Setup goes to the first node: with a shared store, every node sees what it wrote.
  const Target& target = options.targets.front();
  const auto server = resolve_endpoint(target.host, target.port);
  const std::string host_header = target.authority();
  std::vector<std::unique_ptr<ApiClient>> clients;
  for (int w = 0; w < workers; ++w) {
    clients.push_back(std::make_unique<ApiClient>(net::make_strand(pool.context()), server, host_header,
                                                  source_address_for(options, static_cast<std::size_t>(w))));
  }
  for (int w = 0; w < workers; ++w) {
    auto on_done = [state](std::exception_ptr error) {
      if (error) {
        // Stop handing out work; the other workers finish their current request.
        state->next = INT32_MAX / 2;
        std::lock_guard lock(state->mutex);
        if (state->first_error.empty()) {
          try {
            std::rethrow_exception(error);
          } catch (const std::exception& e) {
            state->first_error = e.what();
          }
        }
      }
      if (--state->workers_left == 0) state->done.set_value();
    };
    net::co_spawn(clients[static_cast<std::size_t>(w)]->executor(),
                  run_worker(state, *clients[static_cast<std::size_t>(w)], count, job), on_done);
  }
  state->done.get_future().wait();
  if (!state->first_error.empty()) throw std::runtime_error(state->first_error);
}

std::string describe(const std::string& what, const ApiReply& reply) {
  return what + ": HTTP " + std::to_string(reply.status) + " " + (reply.body.is_null() ? "" : reply.body.dump());
}

}  // namespace

std::vector<BenchUser> register_users(IoPool& pool, const CommonOptions& options, int count) {
  std::vector<BenchUser> users(static_cast<std::size_t>(count));
  const Job job = [&](ApiClient& client, int i) -> net::awaitable<void> {
    const std::string name = options.run_id + "_" + std::to_string(i);
    Json body = {{"username", name}, {"password", "bench-password-" + name}};
    ApiReply reply = co_await client.post("/api/v1/auth/register", std::move(body));
    if (reply.status != 201) throw std::runtime_error(describe("register " + name, reply));
    auto& user = users[static_cast<std::size_t>(i)];
    user.id = reply.body.at("user").at("id").get<std::string>();
    user.token = reply.body.at("accessToken").get<std::string>();
  };
  run_parallel(pool, options, count, job);
  return users;
}

std::vector<std::string> create_direct_conversations(IoPool& pool, const CommonOptions& options,
                                                     const std::vector<BenchUser>& users, int pairs) {
  std::vector<std::string> conversations(static_cast<std::size_t>(pairs));
  const Job job = [&](ApiClient& client, int i) -> net::awaitable<void> {
    const auto& owner = users[static_cast<std::size_t>(2 * i)];
    const auto& peer = users[static_cast<std::size_t>(2 * i + 1)];
    Json body = {{"type", "direct"}, {"userId", peer.id}};
    ApiReply reply = co_await client.post("/api/v1/conversations", std::move(body), owner.token);
    if (reply.status != 201 && reply.status != 200) {
      throw std::runtime_error(describe("create conversation " + std::to_string(i), reply));
    }
    conversations[static_cast<std::size_t>(i)] = reply.body.at("id").get<std::string>();
  };
  run_parallel(pool, options, pairs, job);
  return conversations;
}

std::vector<std::string> create_groups(IoPool& pool, const CommonOptions& options, const std::vector<BenchUser>& users,
                                       const std::vector<std::vector<std::size_t>>& groups) {
  std::vector<std::string> ids(groups.size());
  const Job job = [&](ApiClient& client, int i) -> net::awaitable<void> {
    const auto& members = groups[static_cast<std::size_t>(i)];
    Json member_ids = Json::array();
    for (std::size_t m = 1; m < members.size(); ++m) member_ids.push_back(users[members[m]].id);
    Json body = {{"type", "group"}, {"title", "bench group " + std::to_string(i)}, {"memberIds", member_ids}};
    ApiReply reply = co_await client.post("/api/v1/conversations", std::move(body), users[members[0]].token);
    if (reply.status != 201) throw std::runtime_error(describe("create group " + std::to_string(i), reply));
    ids[static_cast<std::size_t>(i)] = reply.body.at("id").get<std::string>();
  };
  run_parallel(pool, options, static_cast<int>(groups.size()), job);
  return ids;
}

}  // namespace talkline::bench
