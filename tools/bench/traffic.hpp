#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bench_options.hpp"
#include "histogram.hpp"
#include "io_pool.hpp"
#include "process_stats.hpp"
#include "traffic_plan.hpp"

namespace talkline::bench {

/// What happened to the messages planned in one window of time.
struct WindowStats {
  std::uint64_t planned = 0;
  std::uint64_t sent = 0;
  std::uint64_t not_sent = 0;  ///< planned while the connection was closed
  std::uint64_t acked = 0;
  std::uint64_t refused = 0;
  std::uint64_t delivered = 0;
  std::uint64_t duplicated = 0;
  std::uint64_t out_of_order = 0;
  std::uint64_t reads_ok = 0;
  std::uint64_t reads_failed = 0;
  Histogram ack;            ///< send → ack, µs
  Histogram deliver;        ///< send → each delivery, µs
  Histogram last_delivery;  ///< send → the last recipient's delivery, µs
  Histogram read;           ///< history read, µs

  void merge(const WindowStats& other);
};

/// Server and bench resources at one moment.
struct ResourceSample {
  double at_seconds = 0;                ///< since the Traffic was created
  ServerSample nodes;                   ///< each server process
  std::optional<ProcessSample> server;  ///< nodes.total(): the whole server
  std::optional<ProcessSample> bench;
  long server_open_files = -1;  ///< nodes.total_open_files(); -1 when unknown
};

/// The samples at a window's start and end; CPU shares over the window come from these.
struct WindowResources {
  ResourceSample start;
  ResourceSample end;
  /// Percent of one core used between start and end (the server's: all nodes added up);
  /// nullopt when a side was not sampled.
  std::optional<double> server_cpu_percent() const;
  std::optional<double> bench_cpu_percent() const;
  /// The same for one node of the server.
  std::optional<double> node_cpu_percent(std::size_t node) const;
  std::size_t node_count() const { return end.nodes.nodes.size(); }
};

/// Load that runs alongside a phase (the daily model's history reads). start() begins it
/// and returns at once; idle() says when everything it started has finished.
class PhaseCompanion {
 public:
  using Clock = std::chrono::steady_clock;
  using WindowOf = std::function<std::uint32_t(Clock::time_point)>;
  virtual ~PhaseCompanion() = default;
  virtual void start(Clock::time_point begin, Clock::time_point end, WindowOf window_of) = 0;
  virtual bool idle() const = 0;
};

/// Drives a TrafficPlan: connects every token, then runs phases of open-loop sending
/// (each send at its planned time, latency counted from then) while it records, per
/// window of planned time, acks, deliveries and their latencies, and checks every
/// delivery for duplicates and seq order. finish() closes the connections and counts
/// the deliveries that never arrived.
class Traffic {
 public:
  using Clock = std::chrono::steady_clock;

  Traffic(IoPool& pool, const CommonOptions& common, TrafficPlan plan);
  ~Traffic();
  Traffic(const Traffic&) = delete;
  Traffic& operator=(const Traffic&) = delete;

  /// Opens every connection; returns an empty string or the first failure.
  std::string connect();
  double connect_seconds() const { return connect_seconds_; }

  /// Sends at `rate` msg/s for `seconds`, split into windows of `window_seconds` (0 = one
  /// window), then waits up to `drain_seconds` for the answers. `on_window` is called
  /// from this thread as each window closes: one window late while sending, so late
  /// answers land in it, and for the last ones after the drain. Returns the index of the
  /// phase's first window.
  std::size_t run_phase(double rate, double seconds, double window_seconds, double drain_seconds,
                        const std::function<void(std::size_t)>& on_window = {}, PhaseCompanion* companion = nullptr);

  /// Waits up to `seconds` until every send was answered and every owed delivery
  /// arrived; false when something is still outstanding.
  bool wait_idle(double seconds);

  /// One window merged over threads; safe while traffic runs.
  WindowStats window(std::size_t index) const;
  /// Windows [first, last) merged.
  WindowStats windows(std::size_t first, std::size_t last) const;
  std::size_t window_count() const { return resources_.size(); }
  const WindowResources& resources(std::size_t window) const { return resources_.at(window); }

  /// Records a finished read into window `window` (any pool thread).
  void record_read(std::uint32_t window, bool ok, std::uint64_t micros);

  /// Closes the connections and joins the pool; returns the deliveries owed to
  /// recipients that never arrived (once per recipient that missed a message).
  std::uint64_t finish();

  std::uint64_t foreign_deliveries() const;
  /// Acked messages that came back as message:new to the connection that sent them,
  /// which the protocol rules out; known after finish(). Such an echo also stands in for
  /// an owed delivery while the run drains, so it can end the drain early.
  std::uint64_t echoed_deliveries() const { return echoed_; }
  std::string first_refusal() const;

 private:
  struct State;
  bool wait_until_idle(double seconds, PhaseCompanion* companion);

  IoPool& pool_;
  const CommonOptions& common_;
  std::shared_ptr<State> state_;
  double connect_seconds_ = 0;
  std::vector<WindowResources> resources_;
  std::uint64_t echoed_ = 0;
};

/// Samples the server (every process of common.server_pids) and the bench now.
ResourceSample sample_resources(const CommonOptions& common, std::chrono::steady_clock::time_point epoch);

}  // namespace talkline::bench
