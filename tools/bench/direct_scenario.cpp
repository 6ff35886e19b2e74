#include "direct_scenario.hpp"

#include <atomic>
#include <charconv>
#include <chrono>
#include <iostream>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "connector.hpp"
#include "histogram.hpp"
#include "io_pool.hpp"
#include "process_stats.hpp"
#include "report.hpp"
#include "setup.hpp"

namespace talkline::bench {

namespace net = boost::asio;
using Clock = std::chrono::steady_clock;
using util::Json;

namespace {

// One direction of a pair: what one user sends and the other receives. The sender's
// fields are touched only on the sender's strand, the receiver's only on the receiver's.
struct Direction {
  std::string conversation_id;
  std::string client_prefix;
  // sender side
  std::uint64_t next_ack_id = 1;
  std::unordered_map<std::uint64_t, Clock::time_point> in_flight;
  std::vector<std::int64_t> acked_seqs;
  // receiver side
  std::unordered_set<std::int64_t> received;
  std::int64_t last_seq = 0;
};

struct DirectRun {
  explicit DirectRun(int threads)
      : ack_latency(static_cast<std::size_t>(threads)), deliver_latency(static_cast<std::size_t>(threads)) {}

  Clock::time_point epoch = Clock::now();
  std::vector<Direction> directions;       ///< 2 per pair: [2i] first user sends, [2i+1] second user sends
  std::vector<Histogram> ack_latency;      ///< per I/O thread, microseconds
  std::vector<Histogram> deliver_latency;  ///< per I/O thread, microseconds
  std::string body_padding;
  std::atomic<std::uint64_t> planned{0};
  std::atomic<std::uint64_t> sent{0};
  std::atomic<std::uint64_t> not_sent{0};
  std::atomic<std::uint64_t> acked{0};
  std::atomic<std::uint64_t> refused{0};
  std::atomic<std::uint64_t> delivered{0};
  std::atomic<std::uint64_t> duplicated{0};
  std::atomic<std::uint64_t> out_of_order{0};
  std::atomic<std::uint64_t> foreign{0};
  std::mutex error_mutex;
  std::string first_refusal;
};

std::uint64_t micros_since(Clock::time_point planned) {
  const auto elapsed = Clock::now() - planned;
  return elapsed.count() < 0
             ? 0
             : static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count());
}

Histogram& thread_histogram(std::vector<Histogram>& histograms) {
  return histograms[static_cast<std::size_t>(std::max(0, IoPool::thread_index()))];
}

void on_ack(DirectRun& run, Direction& direction, std::uint64_t ack_id, const Json& args) {
  auto found = direction.in_flight.find(ack_id);
  if (found == direction.in_flight.end()) return;
  const auto planned = found->second;
  direction.in_flight.erase(found);
  thread_histogram(run.ack_latency).record(micros_since(planned));
  const Json& reply = args.empty() ? Json() : args[0];
  if (reply.is_object() && reply.value("ok", false)) {
    direction.acked_seqs.push_back(reply.at("message").at("seq").get<std::int64_t>());
    ++run.acked;
    return;
  }
  ++run.refused;
  std::lock_guard lock(run.error_mutex);
  if (run.first_refusal.empty()) run.first_refusal = reply.dump();
}

// A message:new carries its planned send time in its body: "t<ns since epoch> xxxx".
void on_event(DirectRun& run, Direction& direction, const std::string& name, const Json& message) {
  if (name != "message:new") return;
  if (!message.is_object() || message.value("conversationId", "") != direction.conversation_id) {
    ++run.foreign;
    return;
  }
  const auto seq = message.at("seq").get<std::int64_t>();
  const auto& body = message.at("body").get_ref<const std::string&>();
  std::int64_t planned_ns = 0;
  if (body.size() > 1) std::from_chars(body.data() + 1, body.data() + body.size(), planned_ns);
  thread_histogram(run.deliver_latency).record(micros_since(run.epoch + std::chrono::nanoseconds(planned_ns)));
  ++run.delivered;
  if (!direction.received.insert(seq).second) {
    ++run.duplicated;
    return;
  }
  if (seq < direction.last_seq) {
    ++run.out_of_order;
    return;
  }
  direction.last_seq = seq;
}

// Sends on a fixed schedule whatever the answers: send n is planned at
// start + offset + n·interval and its latency counts from then (no coordinated omission).
net::awaitable<void> run_sender(std::shared_ptr<DirectRun> run, std::shared_ptr<SioConnection> connection,
                                Direction* direction, Clock::time_point first, Clock::duration interval,
                                Clock::time_point end) {
  net::steady_timer timer(connection->strand());
  boost::system::error_code ec;
  for (std::uint64_t n = 0;; ++n) {
    const auto planned = first + interval * static_cast<Clock::rep>(n);
    if (planned >= end) break;
    ++run->planned;
    if (planned > Clock::now()) {
      timer.expires_at(planned);
      co_await timer.async_wait(net::redirect_error(net::use_awaitable, ec));
    }
    if (!connection->is_open()) {
      ++run->not_sent;
      continue;
    }
    const std::uint64_t ack_id = direction->next_ack_id++;
    direction->in_flight.emplace(ack_id, planned);
    const auto planned_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(planned - run->epoch).count();
    Json payload = {{"conversationId", direction->conversation_id},
                    {"clientMsgId", direction->client_prefix + std::to_string(n)},
                    {"body", "t" + std::to_string(planned_ns) + " " + run->body_padding}};
    connection->emit("message:send", payload, ack_id);
    ++run->sent;
  }
}

}  // namespace

int run_direct(const CommonOptions& common, const DirectOptions& options) {
  IoPool pool(common.threads);
  const int pairs = std::max(1, options.pairs);
  auto run = std::make_shared<DirectRun>(pool.thread_count());
  run->body_padding = std::string(static_cast<std::size_t>(std::max(0, options.body_bytes - 21)), 'x');

  std::cerr << "registering " << 2 * pairs << " users\n";
  const auto users = register_users(pool, common, 2 * pairs);
  const auto conversations = create_direct_conversations(pool, common, users, pairs);
  run->directions.resize(static_cast<std::size_t>(2 * pairs));
  for (int i = 0; i < 2 * pairs; ++i) {
    auto& direction = run->directions[static_cast<std::size_t>(i)];
    direction.conversation_id = conversations[static_cast<std::size_t>(i / 2)];
    direction.client_prefix = common.run_id + "-" + std::to_string(i) + "-";
  }

  // Connection i belongs to user i: it sends direction i and receives direction i^1.
  std::vector<std::string> tokens;
  for (const auto& user : users) tokens.push_back(user.token);
  const PrepareConnection prepare = [run](std::size_t i, SioConnection& connection) {
    Direction* sending = &run->directions[i];
    Direction* receiving = &run->directions[i ^ 1];
    connection.on_ack([run, sending](std::uint64_t id, const Json& args) { on_ack(*run, *sending, id, args); });
    connection.on_event(
        [run, receiving](const std::string& name, const Json& payload) { on_event(*run, *receiving, name, payload); });
  };
  std::cerr << "opening " << tokens.size() << " connections\n";
  auto outcome = connect_all(pool, common, tokens, prepare);
  if (outcome.failed > 0) {
    std::cerr << outcome.failed << " connections failed; first: " << outcome.first_error << "\n";
    close_all(outcome.connections);
    return 1;
  }

  // Senders are spread evenly: sender k starts k/rate after the start.
  const auto senders = static_cast<std::size_t>(2 * pairs);
  const double rate = std::max(options.rate, 0.001);
  const auto interval =
      std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(static_cast<double>(senders) / rate));
  const auto start = Clock::now() + std::chrono::milliseconds(100);
  const auto end =
      start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(common.duration_seconds));
  const auto server_before = sample_server(common.server_pid);
  const auto bench_before = sample_process(0);
  for (std::size_t k = 0; k < senders; ++k) {
    const auto first = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(k / rate));
    auto& connection = outcome.connections[k];
    net::co_spawn(connection->strand(), run_sender(run, connection, &run->directions[k], first, interval, end),
                  net::detached);
  }
  std::this_thread::sleep_until(end);
  const auto server_after = sample_server(common.server_pid);
  const auto bench_after = sample_process(0);

  // Let the last answers arrive.
  const auto drain_deadline =
      Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(options.drain_seconds));
  while (Clock::now() < drain_deadline && (run->acked + run->refused < run->sent || run->delivered < run->acked)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  close_all(outcome.connections);
  outcome.connections.clear();
  pool.join();

  // Every acked message must have reached the peer.
  std::uint64_t lost = 0;
  for (const auto& direction : run->directions) {
    for (auto seq : direction.acked_seqs) {
      if (!direction.received.contains(seq)) ++lost;
    }
  }
  Histogram ack_latency;
  Histogram deliver_latency;
  for (const auto& h : run->ack_latency) ack_latency.merge(h);
  for (const auto& h : run->deliver_latency) deliver_latency.merge(h);
  const std::uint64_t unanswered = run->sent - run->acked - run->refused;
  const double seconds = common.duration_seconds;

  Report report("direct");
  report.add("parameters", "pairs", pairs);
  report.add("parameters", "target_rate", options.rate, "msg/s");
  report.add("parameters", "per_sender_rate", rate / static_cast<double>(senders), "msg/s");
  report.add("parameters", "duration", seconds, "s");
  report.add("parameters", "body_bytes", options.body_bytes);
  report.add("parameters", "threads", pool.thread_count());
  report.add("parameters", "source_addresses", common.source_addresses);
  report.add("throughput", "sent", run->sent.load());
  report.add("throughput", "acked_ok", run->acked.load());
  report.add("throughput", "delivered", run->delivered.load());
  report.add("throughput", "send_rate", static_cast<double>(run->sent) / seconds, "msg/s");
  report.add("throughput", "delivery_rate", static_cast<double>(run->delivered) / seconds, "msg/s");
  report.add_latency("latency", "send_to_ack", ack_latency);
  report.add_latency("latency", "send_to_deliver", deliver_latency);
  report.add("correctness", "lost", lost);
  report.add("correctness", "duplicated", run->duplicated.load());
  report.add("correctness", "out_of_order", run->out_of_order.load());
  report.add("correctness", "refused", run->refused.load());
  if (!run->first_refusal.empty()) report.add("correctness", "first_refusal", run->first_refusal);
  report.add("correctness", "unanswered", unanswered);
  report.add("correctness", "not_sent", run->not_sent.load());
  report.add("correctness", "foreign_deliveries", run->foreign.load());
  if (bench_before && bench_after) {
    report.add("bench", "cpu_percent", 100 * (bench_after->cpu_seconds - bench_before->cpu_seconds) / seconds, "%");
    report.add("bench", "rss", bench_after->rss_kib / 1024, "MiB");
  }
  if (server_before && server_after) {
    report.add("server", "cpu_percent", 100 * (server_after->cpu_seconds - server_before->cpu_seconds) / seconds, "%");
    report.add("server", "rss", server_after->rss_kib / 1024, "MiB");
  }
  report.print(std::cout);
  if (!common.json_file.empty() && !report.write_json(common.json_file)) {
    std::cerr << "cannot write " << common.json_file << "\n";
    return 2;
  }
  const bool clean = lost == 0 && run->duplicated == 0 && run->out_of_order == 0 && run->refused == 0 &&
                     unanswered == 0 && run->not_sent == 0;
  return clean ? 0 : 1;
}

}  // namespace talkline::bench
