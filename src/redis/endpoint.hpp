#pragma once

#include <string>
#include <string_view>

#include "util/result.hpp"

namespace talkline::redis {

/// Where a Redis server is and how to log in to it.
struct Endpoint {
  std::string host = "127.0.0.1";
  int port = 6379;
  std::string username;  // with a password: AUTH username password (Redis 6 ACL)
  std::string password;  // empty: no AUTH
};

/// Reads `redis://[[user]:password@]host[:port][/db]`. The db number is ignored:
/// pub/sub has none, and TalkLine keeps every key under one prefix in db 0.
/// `setting` names the configuration key in the error.
Result<Endpoint> parse_url(std::string_view url, std::string_view setting);

}  // namespace talkline::redis
