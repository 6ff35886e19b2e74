#pragma once

#include <string>
#include <vector>

#include "bench_options.hpp"
#include "io_pool.hpp"

namespace talkline::bench {

struct BenchUser {
  std::string id;
  std::string token;
};

/// Registers `count` users named `<run_id>_<i>` over the HTTP API of the first target,
/// `setup_concurrency` requests at a time. Throws std::runtime_error naming the first
/// request that failed. (So do the functions below, on the same node.)
std::vector<BenchUser> register_users(IoPool& pool, const CommonOptions& options, int count);

/// Creates one direct conversation between users[2i] and users[2i+1] for each i < pairs;
/// returns their ids. Throws std::runtime_error like register_users.
std::vector<std::string> create_direct_conversations(IoPool& pool, const CommonOptions& options,
                                                     const std::vector<BenchUser>& users, int pairs);

/// Creates one group per entry of `groups` (user indexes; the first creates it and the
/// others are its members); returns their ids. Throws like register_users.
std::vector<std::string> create_groups(IoPool& pool, const CommonOptions& options, const std::vector<BenchUser>& users,
                                       const std::vector<std::vector<std::size_t>>& groups);

}  // namespace talkline::bench
