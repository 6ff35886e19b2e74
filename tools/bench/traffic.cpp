#include "traffic.hpp"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cmath>
#include <iostream>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "connector.hpp"
#include "sio_connection.hpp"

namespace talkline::bench {

namespace net = boost::asio;
using Clock = std::chrono::steady_clock;
using util::Json;

void WindowStats::merge(const WindowStats& other) {
  planned += other.planned;
  sent += other.sent;
  not_sent += other.not_sent;
  acked += other.acked;
  refused += other.refused;
  delivered += other.delivered;
  duplicated += other.duplicated;
  out_of_order += other.out_of_order;
  reads_ok += other.reads_ok;
  reads_failed += other.reads_failed;
  ack.merge(other.ack);
  deliver.merge(other.deliver);
  last_delivery.merge(other.last_delivery);
  read.merge(other.read);
}

namespace {

std::optional<double> cpu_percent(const ResourceSample& start, const ResourceSample& end,
                                  const std::optional<ProcessSample> ResourceSample::*side) {
  const auto& before = start.*side;
  const auto& after = end.*side;
  const double seconds = end.at_seconds - start.at_seconds;
  if (!before || !after || seconds <= 0) return std::nullopt;
  return 100 * (after->cpu_seconds - before->cpu_seconds) / seconds;
}

std::uint64_t micros_since(Clock::time_point planned) {
  const auto elapsed = Clock::now() - planned;
  return elapsed.count() < 0
             ? 0
             : static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count());
}

// Body of a bench message: "t<planned ns since epoch> w<window> xxxx…", so a receiver
// knows when the message was due and which window it counts in.
struct BodyStamp {
  std::int64_t planned_ns = 0;
  std::uint32_t window = 0;
};

std::optional<BodyStamp> read_stamp(std::string_view body) {
  BodyStamp stamp;
  if (body.size() < 4 || body[0] != 't') return std::nullopt;
  const char* end = body.data() + body.size();
  auto [after_time, time_error] = std::from_chars(body.data() + 1, end, stamp.planned_ns);
  if (time_error != std::errc() || end - after_time < 3 || after_time[0] != ' ' || after_time[1] != 'w') {
    return std::nullopt;
  }
  auto [after_window, window_error] = std::from_chars(after_time + 2, end, stamp.window);
  if (window_error != std::errc()) return std::nullopt;
  return stamp;
}

struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
};

// Seqs one connection has received in one conversation (a bit per seq) and the highest.
struct ReceiveTrack {
  std::uint32_t conversation = 0;
  std::vector<std::uint64_t> seen;
  std::int64_t last_seq = 0;

  bool has(std::int64_t seq) const {
    const auto word = static_cast<std::size_t>(seq) / 64;
    return word < seen.size() && (seen[word] >> (seq % 64) & 1) != 0;
  }
  /// Marks seq; false when it was already there.
  bool mark(std::int64_t seq) {
    const auto word = static_cast<std::size_t>(seq) / 64;
    if (word >= seen.size()) seen.resize(std::max(word + 1, seen.size() * 2), 0);
    const std::uint64_t bit = std::uint64_t{1} << (seq % 64);
    if ((seen[word] & bit) != 0) return false;
    seen[word] |= bit;
    return true;
  }
};

// Everything about one connection; touched only on that connection's strand.
struct ConnectionState {
  struct InFlight {
    Clock::time_point planned;
    std::uint32_t window = 0;
    std::uint32_t conversation = 0;
    std::uint32_t expected_deliveries = 0;
  };
  std::shared_ptr<SioConnection> connection;
  std::uint64_t next_ack_id = 1;
  std::uint64_t next_client_number = 0;
  std::unordered_map<std::uint64_t, InFlight> in_flight;
  std::vector<std::pair<std::uint32_t, std::int64_t>> acked;  ///< conversation, seq
  std::vector<ReceiveTrack> tracks;

  ReceiveTrack* track_of(std::uint32_t conversation) {
    for (auto& track : tracks) {
      if (track.conversation == conversation) return &track;
    }
    return nullptr;
  }
};

// Deliveries per seq of one conversation, to know when its last recipient got a message.
struct ConversationState {
  std::mutex mutex;
  std::vector<std::uint32_t> deliveries;
  std::uint32_t recipients = 0;
};

struct ThreadSlot {
  mutable std::mutex mutex;
  std::vector<WindowStats> windows;
};

}  // namespace

std::optional<double> WindowResources::server_cpu_percent() const {
  return cpu_percent(start, end, &ResourceSample::server);
}

std::optional<double> WindowResources::bench_cpu_percent() const {
  return cpu_percent(start, end, &ResourceSample::bench);
}

std::optional<double> WindowResources::node_cpu_percent(std::size_t node) const {
  return bench::node_cpu_percent(start.nodes, end.nodes, node, end.at_seconds - start.at_seconds);
}

ResourceSample sample_resources(const CommonOptions& common, Clock::time_point epoch) {
  ResourceSample sample;
  sample.at_seconds = std::chrono::duration<double>(Clock::now() - epoch).count();
  sample.nodes = sample_server(common.server_pids);
  sample.server = sample.nodes.total();
  sample.bench = sample_process(0);
  sample.server_open_files = sample.nodes.total_open_files();
  return sample;
}

struct Traffic::State {
  TrafficPlan plan;
  Clock::time_point epoch = Clock::now();
  std::string body_padding;
  std::vector<ConnectionState> connections;
  std::vector<ConversationState> conversations;
  std::unordered_map<std::string, std::uint32_t, StringHash, std::equal_to<>> conversation_index;
  std::vector<std::uint32_t> sender_expected;      ///< per sender: recipients other than itself
  std::vector<std::unique_ptr<ThreadSlot>> slots;  ///< per pool thread, and one for other threads

  std::atomic<std::uint64_t> sent{0};
  std::atomic<std::uint64_t> answered{0};
  std::atomic<std::uint64_t> expected_deliveries{0};
  std::atomic<std::uint64_t> unique_deliveries{0};
  std::atomic<std::uint64_t> foreign{0};
  std::atomic<int> active_senders{0};
  mutable std::mutex error_mutex;
  std::string first_refusal;

  explicit State(TrafficPlan traffic_plan, int threads)
      : plan(std::move(traffic_plan)), connections(plan.tokens.size()), conversations(plan.conversation_ids.size()) {
    body_padding.assign(static_cast<std::size_t>(std::max(0, plan.body_bytes - 26)), 'x');
    for (int i = 0; i <= threads; ++i) slots.push_back(std::make_unique<ThreadSlot>());
    for (std::uint32_t c = 0; c < plan.conversation_ids.size(); ++c) {
      conversation_index.emplace(plan.conversation_ids[c], c);
      conversations[c].recipients = static_cast<std::uint32_t>(plan.recipients[c].size());
      for (auto connection : plan.recipients[c]) connections[connection].tracks.push_back({c, {}, 0});
    }
    for (const auto& sender : plan.senders) {
      const auto& recipients = plan.recipients[sender.conversation];
      const bool self = std::find(recipients.begin(), recipients.end(), sender.connection) != recipients.end();
      sender_expected.push_back(static_cast<std::uint32_t>(recipients.size() - (self ? 1 : 0)));
    }
  }

  template <typename Update>
  void record(std::uint32_t window, Update update) {
    auto& slot =
        *slots[static_cast<std::size_t>(IoPool::thread_index() < 0 ? slots.size() - 1 : IoPool::thread_index())];
    std::lock_guard lock(slot.mutex);
    if (window >= slot.windows.size()) slot.windows.resize(window + 1);
    update(slot.windows[window]);
  }

  void on_ack(std::uint32_t connection_index, std::uint64_t ack_id, const Json& args) {
    auto& connection = connections[connection_index];
    auto found = connection.in_flight.find(ack_id);
    if (found == connection.in_flight.end()) return;
    const auto flight = found->second;
    connection.in_flight.erase(found);
    const Json& reply = args.empty() ? Json() : args[0];
    const bool ok = reply.is_object() && reply.value("ok", false) && reply.contains("message");
    if (ok) {
      connection.acked.emplace_back(flight.conversation, reply["message"].value("seq", std::int64_t{0}));
      expected_deliveries += flight.expected_deliveries;
    }
    // Counted after the expectation, so the drain never sees an ack without its deliveries.
    ++answered;
    const auto micros = micros_since(flight.planned);
    record(flight.window, [&](WindowStats& stats) {
      stats.ack.record(micros);
      ++(ok ? stats.acked : stats.refused);
    });
    if (!ok) {
      std::lock_guard lock(error_mutex);
      if (first_refusal.empty()) first_refusal = reply.dump();
    }
  }

  void on_message(std::uint32_t connection_index, const MessageNewView& message) {
    auto found = conversation_index.find(message.conversation_id);
    auto stamp = read_stamp(message.body);
    ReceiveTrack* track =
        found == conversation_index.end() || !stamp ? nullptr : connections[connection_index].track_of(found->second);
    if (track == nullptr) {
      ++foreign;
      return;
    }
    const auto micros = micros_since(epoch + std::chrono::nanoseconds(stamp->planned_ns));
    const bool first = track->mark(message.seq);
    const bool in_order = message.seq >= track->last_seq;
    if (first && in_order) track->last_seq = message.seq;
    record(stamp->window, [&](WindowStats& stats) {
      ++stats.delivered;
      stats.deliver.record(micros);
      if (!first) ++stats.duplicated;
      if (first && !in_order) ++stats.out_of_order;
    });
    if (!first) return;
    ++unique_deliveries;
    if (note_delivery(found->second, message.seq)) {
      record(stamp->window, [&](WindowStats& stats) { stats.last_delivery.record(micros); });
    }
  }

  static net::awaitable<void> run_sender(std::shared_ptr<State> state, std::size_t sender_index,
                                         Clock::time_point first, Clock::duration interval, Clock::time_point end,
                                         PhaseCompanion::WindowOf window_of);

  // True when this delivery was the conversation's last owed one for that seq.
  bool note_delivery(std::uint32_t conversation_index, std::int64_t seq) {
    auto& conversation = conversations[conversation_index];
    std::lock_guard lock(conversation.mutex);
    const auto slot = static_cast<std::size_t>(seq);
    if (slot >= conversation.deliveries.size()) {
      conversation.deliveries.resize(std::max(slot + 1, conversation.deliveries.size() * 2), 0);
    }
    // Every recipient but the sender's connection gets it; the sender is always a recipient
    // in the bench's plans except when it sends into an empty room (persist).
    const std::uint32_t owed = conversation.recipients > 1 ? conversation.recipients - 1 : 1;
    return ++conversation.deliveries[slot] == owed;
  }
};

// Sends on a fixed schedule whatever the answers: send n is planned at first + n·interval
// and its latency counts from then, so a stalled server cannot hide behind a waiting sender.
net::awaitable<void> Traffic::State::run_sender(std::shared_ptr<State> state, std::size_t sender_index,
                                                Clock::time_point first, Clock::duration interval,
                                                Clock::time_point end, PhaseCompanion::WindowOf window_of) {
  const auto& sender = state->plan.senders[sender_index];
  auto& connection = state->connections[sender.connection];
  net::steady_timer timer(connection.connection->strand());
  boost::system::error_code ec;
  const std::string& conversation_id = state->plan.conversation_ids[sender.conversation];
  for (std::uint64_t n = 0;; ++n) {
    const auto planned = first + interval * static_cast<Clock::rep>(n);
    if (planned >= end) break;
    if (planned > Clock::now()) {
      timer.expires_at(planned);
      co_await timer.async_wait(net::redirect_error(net::use_awaitable, ec));
    }
    const std::uint32_t window = window_of(planned);
    const bool open = connection.connection->is_open();
    state->record(window, [&](WindowStats& stats) {
      ++stats.planned;
      if (!open) ++stats.not_sent;
    });
    if (!open) continue;
    const std::uint64_t ack_id = connection.next_ack_id++;
    connection.in_flight.emplace(
        ack_id, ConnectionState::InFlight{planned, window, sender.conversation, state->sender_expected[sender_index]});
    const auto planned_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(planned - state->epoch).count();
    Json payload = {
        {"conversationId", conversation_id},
        {"clientMsgId",
         "c" + std::to_string(sender.connection) + "-" + std::to_string(connection.next_client_number++)},
        {"body", "t" + std::to_string(planned_ns) + " w" + std::to_string(window) + " " + state->body_padding}};
    connection.connection->emit("message:send", payload, ack_id);
    ++state->sent;
    state->record(window, [](WindowStats& stats) { ++stats.sent; });
  }
  --state->active_senders;
}

Traffic::Traffic(IoPool& pool, const CommonOptions& common, TrafficPlan plan)
    : pool_(pool), common_(common), state_(std::make_shared<State>(std::move(plan), pool.thread_count())) {}

Traffic::~Traffic() = default;

std::string Traffic::connect() {
  auto state = state_;
  const PrepareConnection prepare = [state](std::size_t i, SioConnection& connection) {
    const auto index = static_cast<std::uint32_t>(i);
    connection.on_ack([state, index](std::uint64_t id, const Json& args) { state->on_ack(index, id, args); });
    connection.on_message_new([state, index](const MessageNewView& message) { state->on_message(index, message); });
  };
  auto outcome = connect_all(pool_, common_, state_->plan.tokens, prepare);
  connect_seconds_ = outcome.seconds;
  for (std::size_t i = 0; i < outcome.connections.size(); ++i) {
    state_->connections[i].connection = std::move(outcome.connections[i]);
  }
  if (outcome.failed > 0) return std::to_string(outcome.failed) + " connections failed; first: " + outcome.first_error;
  return {};
}

std::size_t Traffic::run_phase(double rate, double seconds, double window_seconds, double drain_seconds,
                               const std::function<void(std::size_t)>& on_window, PhaseCompanion* companion) {
  auto& state = *state_;
  const std::size_t first_window = resources_.size();
  const std::size_t window_total =
      window_seconds > 0 ? std::max<std::size_t>(1, static_cast<std::size_t>(std::ceil(seconds / window_seconds))) : 1;
  const auto phase_length = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  const auto window_length =
      window_seconds > 0 ? std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(window_seconds))
                         : phase_length;
  const auto start = Clock::now() + std::chrono::milliseconds(100);
  const auto end = start + phase_length;
  const PhaseCompanion::WindowOf window_of = [=](Clock::time_point planned) {
    const auto offset =
        std::max<Clock::rep>(0, (planned - start).count()) / std::max<Clock::rep>(1, window_length.count());
    return static_cast<std::uint32_t>(first_window + std::min<std::size_t>(window_total - 1, offset));
  };
  resources_.resize(first_window + window_total);

  // Each sender gets its share of the rate; start offsets are spread over one interval by
  // the golden ratio so senders do not fire in lock-step.
  double total_weight = 0;
  for (const auto& sender : state.plan.senders) total_weight += sender.weight;
  std::this_thread::sleep_until(start - std::chrono::milliseconds(50));
  resources_[first_window].start = sample_resources(common_, state.epoch);
  for (std::size_t k = 0; k < state.plan.senders.size(); ++k) {
    const double sender_rate = rate * state.plan.senders[k].weight / std::max(total_weight, 1e-9);
    if (sender_rate <= 0) continue;
    const auto interval = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(1 / sender_rate));
    const double spread = std::fmod(static_cast<double>(k) * 0.6180339887498949, 1.0);
    const auto first = start + std::chrono::duration_cast<Clock::duration>(interval * spread);
    auto& connection = state.connections[state.plan.senders[k].connection].connection;
    ++state.active_senders;
    net::co_spawn(connection->strand(), State::run_sender(state_, k, first, interval, end, window_of), net::detached);
  }
  if (companion) companion->start(start, end, window_of);

  // Close each window at its end and hand the one before to the caller.
  for (std::size_t w = 0; w < window_total; ++w) {
    std::this_thread::sleep_until(std::min(end, start + window_length * static_cast<Clock::rep>(w + 1)));
    resources_[first_window + w].end = sample_resources(common_, state.epoch);
    if (w + 1 < window_total) resources_[first_window + w + 1].start = resources_[first_window + w].end;
    if (w > 0 && on_window) on_window(first_window + w - 1);
  }

  wait_until_idle(drain_seconds, companion);
  if (on_window) on_window(first_window + window_total - 1);
  return first_window;
}

bool Traffic::wait_idle(double seconds) { return wait_until_idle(seconds, nullptr); }

bool Traffic::wait_until_idle(double seconds, PhaseCompanion* companion) {
  // An overloaded server may still be answering: keep waiting while answers arrive,
  // give up once nothing has moved for kStallSeconds (or `seconds` have passed).
  constexpr auto kStall = std::chrono::seconds(5);
  const auto& state = *state_;
  const auto deadline =
      Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  const auto busy = [&] {
    return state.active_senders > 0 || state.answered < state.sent ||
           state.unique_deliveries < state.expected_deliveries || (companion && !companion->idle());
  };
  const auto progress = [&] { return state.answered.load() + state.unique_deliveries.load(); };
  auto last_progress = progress();
  auto last_change = Clock::now();
  while (busy() && Clock::now() < deadline && Clock::now() - last_change < kStall) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (const auto now = progress(); now != last_progress) {
      last_progress = now;
      last_change = Clock::now();
    }
  }
  return !busy();
}

WindowStats Traffic::window(std::size_t index) const { return windows(index, index + 1); }

WindowStats Traffic::windows(std::size_t first, std::size_t last) const {
  WindowStats merged;
  for (const auto& slot : state_->slots) {
    std::lock_guard lock(slot->mutex);
    for (std::size_t w = first; w < std::min(last, slot->windows.size()); ++w) merged.merge(slot->windows[w]);
  }
  return merged;
}

void Traffic::record_read(std::uint32_t window, bool ok, std::uint64_t micros) {
  state_->record(window, [&](WindowStats& stats) {
    ++(ok ? stats.reads_ok : stats.reads_failed);
    stats.read.record(micros);
  });
}

std::uint64_t Traffic::finish() {
  std::vector<std::shared_ptr<SioConnection>> connections;
  for (auto& connection : state_->connections) connections.push_back(connection.connection);
  close_all(connections);
  pool_.join();

  auto& state = *state_;
  std::uint64_t lost = 0;
  for (std::uint32_t c = 0; c < state.connections.size(); ++c) {
    for (const auto& [conversation, seq] : state.connections[c].acked) {
      for (auto recipient : state.plan.recipients[conversation]) {
        const auto* track = state.connections[recipient].track_of(conversation);
        const bool arrived = track != nullptr && track->has(seq);
        if (recipient == c) {
          if (arrived) ++echoed_;
        } else if (!arrived) {
          ++lost;
        }
      }
    }
  }
  return lost;
}

std::uint64_t Traffic::foreign_deliveries() const { return state_->foreign; }

std::string Traffic::first_refusal() const {
  std::lock_guard lock(state_->error_mutex);
  return state_->first_refusal;
}

}  // namespace talkline::bench
