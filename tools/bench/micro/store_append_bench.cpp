// The SQLite store's send path without the network: how many microseconds of the writer
// a message costs when sends arrive as they do under load (many conversations, queued
// asynchronously, group-committed). Run it under `perf stat` or `perf record` to see where
// a send's time goes in the store alone.
#include <benchmark/benchmark.h>

#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <stdexcept>
#include <string>

#include <sys/resource.h>

#include "store/sqlite/sqlite_store.hpp"

namespace {

using talkline::model::Id;
namespace sqlite = talkline::store::sqlite;

constexpr int kConversations = 500;
constexpr int kBatch = 1000;

class StoreFixture {
 public:
  explicit StoreFixture(int max_batch) {
    std::string pattern = (std::filesystem::temp_directory_path() / "talkline-store-bench-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir_ = pattern;
    sqlite::SqliteOptions options;
    options.path = (dir_ / "talkline.db").string();
    options.max_batch = max_batch;
    auto opened = sqlite::SqliteStore::open(options);
    if (!opened.ok()) throw std::runtime_error(opened.error().message);
    store_ = std::move(opened.value());
    for (int i = 0; i < kConversations; ++i) {
      Id a = next_id_++, b = next_id_++;
      add_user(a);
      add_user(b);
      talkline::model::NewDirectConversation conversation{next_id_++, a, b, 1};
      auto created = store_->conversation_create_direct(conversation);
      if (!created.ok()) throw std::runtime_error(created.error().message);
      pairs_.push_back({conversation.id, a});
    }
  }
  /// The WAL's size now: it must stay near the checkpoint threshold however long the
  /// writes go on.
  double wal_mib() const {
    std::error_code missing;
    auto bytes = std::filesystem::file_size(dir_ / "talkline.db-wal", missing);
    return missing ? 0.0 : static_cast<double>(bytes) / (1024.0 * 1024.0);
  }

  ~StoreFixture() {
    store_->close();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  // Queues `count` sends spread over every conversation and waits for the last completion.
  void send_batch(int count, const std::string& body) {
    std::mutex mutex;
    std::condition_variable all_done;
    int remaining = count;
    for (int i = 0; i < count; ++i) {
      const auto& [conversation_id, sender_id] = pairs_[static_cast<std::size_t>(next_id_ % kConversations)];
      talkline::model::NewMessage message;
      message.id = next_id_++;
      message.conversation_id = conversation_id;
      message.sender_id = sender_id;
      message.client_msg_id = "c" + std::to_string(message.id);
      message.body = body;
      message.created_at = message.id;
      store_->message_insert_async(message, [&](talkline::Result<talkline::model::SendOutcome> outcome) {
        if (!outcome.ok()) throw std::runtime_error(outcome.error().message);
        std::lock_guard lock(mutex);
        if (--remaining == 0) all_done.notify_one();
      });
    }
    std::unique_lock lock(mutex);
    all_done.wait(lock, [&] { return remaining == 0; });
  }

 private:
  void add_user(Id id) {
    auto inserted = store_->user_insert({id, "u" + std::to_string(id), "", "x", talkline::model::Role::user, 1});
    if (!inserted.ok()) throw std::runtime_error(inserted.error().message);
  }

  std::filesystem::path dir_;
  std::unique_ptr<sqlite::SqliteStore> store_;
  std::vector<std::pair<Id, Id>> pairs_;
  Id next_id_ = 1;
};

double process_cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

void BM_SqliteAppend(benchmark::State& state) {
  StoreFixture fixture(static_cast<int>(state.range(1)));
  std::string words;
  while (words.size() < static_cast<std::size_t>(state.range(0))) words += "hello chat words ";
  words.resize(static_cast<std::size_t>(state.range(0)));
  const double cpu_before = process_cpu_seconds();
  for (auto _ : state) fixture.send_batch(kBatch, words);
  const double messages = static_cast<double>(state.iterations()) * kBatch;
  state.SetItemsProcessed(static_cast<std::int64_t>(messages));
  // Every thread of the process (the writer above all), which the benchmark's own CPU
  // column does not count.
  state.counters["cpu_us_per_msg"] = (process_cpu_seconds() - cpu_before) * 1e6 / messages;
  state.counters["wal_mib"] = fixture.wal_mib();
}
// Arguments: body bytes, the writer's most jobs per commit.
BENCHMARK(BM_SqliteAppend)
    ->ArgNames({"body", "max_batch"})
    ->Args({100, 256})
    ->Args({100, 1024})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->MinTime(3);

}  // namespace

BENCHMARK_MAIN();
