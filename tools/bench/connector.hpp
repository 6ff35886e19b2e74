#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "bench_options.hpp"
#include "io_pool.hpp"
#include "sio_connection.hpp"

namespace talkline::bench {

struct ConnectOutcome {
  /// One per token, in order; null where the connection failed.
  std::vector<std::shared_ptr<SioConnection>> connections;
  int failed = 0;
  std::string first_error;
  double seconds = 0;  ///< from the first TCP connect to the last CONNECT answer
};

/// Called with each connection's index before it connects, to install its handlers.
using PrepareConnection = std::function<void(std::size_t, SioConnection&)>;

/// Opens one authenticated Socket.IO connection per token, `connect_concurrency` at a
/// time, to the nodes in turn (connection i to target_for(options, i)), source addresses
/// in rotation; starts each one's read loop once it is joined.
ConnectOutcome connect_all(IoPool& pool, const CommonOptions& options, const std::vector<std::string>& tokens,
                           const PrepareConnection& prepare = {});

/// Closes every connection and waits (at most `wait_seconds`) until their read loops ended.
void close_all(const std::vector<std::shared_ptr<SioConnection>>& connections, double wait_seconds = 5);

/// Connections still open.
int count_open(const std::vector<std::shared_ptr<SioConnection>>& connections);

}  // namespace talkline::bench
