#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <vector>

#include "util/result.hpp"

namespace talkline::store::sqlite {

class Connection;

/// A fixed set of read-only connections. In WAL mode readers see the last committed state
/// and never wait for the writer, so reads go here and only wait for a free connection.
class ReaderPool {
 public:
  /// Exclusive use of one connection until the lease is destroyed.
  class Lease {
   public:
    Lease(ReaderPool* pool, Connection* connection) : pool_(pool), connection_(connection) {}
    Lease(Lease&& other) noexcept;
    Lease& operator=(Lease&&) = delete;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease();

    Connection& connection() const { return *connection_; }

   private:
    ReaderPool* pool_;
    Connection* connection_;
  };

  explicit ReaderPool(std::vector<std::unique_ptr<Connection>> connections);
  ~ReaderPool();
  ReaderPool(const ReaderPool&) = delete;
  ReaderPool& operator=(const ReaderPool&) = delete;

  /// Waits for a free connection; `unavailable` once the pool is closed.
  Result<Lease> checkout();

  /// Refuses new checkouts, waits for leased connections to come back, closes them all.
  void close();

 private:
  void give_back(Connection* connection);

  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::unique_ptr<Connection>> connections_;
  std::vector<Connection*> idle_;
  bool closed_ = false;
};

}  // namespace talkline::store::sqlite
