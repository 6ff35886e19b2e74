#include "store/sqlite/reader_pool.hpp"

#include <utility>

#include "store/sqlite/connection.hpp"

namespace talkline::store::sqlite {

ReaderPool::Lease::Lease(Lease&& other) noexcept
    : pool_(std::exchange(other.pool_, nullptr)), connection_(std::exchange(other.connection_, nullptr)) {}

ReaderPool::Lease::~Lease() {
  if (pool_ != nullptr) pool_->give_back(connection_);
}

ReaderPool::ReaderPool(std::vector<std::unique_ptr<Connection>> connections) : connections_(std::move(connections)) {
  for (auto& connection : connections_) idle_.push_back(connection.get());
}

ReaderPool::~ReaderPool() { close(); }

Result<ReaderPool::Lease> ReaderPool::checkout() {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return closed_ || !idle_.empty(); });
  if (closed_) return Error::unavailable("store is closed");
  Connection* connection = idle_.back();
  idle_.pop_back();
  return Lease(this, connection);
}

void ReaderPool::give_back(Connection* connection) {
  {
    std::lock_guard lock(mutex_);
    idle_.push_back(connection);
  }
  changed_.notify_all();
}

void ReaderPool::close() {
  std::vector<std::unique_ptr<Connection>> closing;
  {
    std::unique_lock lock(mutex_);
    closed_ = true;
    changed_.notify_all();
    changed_.wait(lock, [&] { return idle_.size() == connections_.size(); });
    idle_.clear();
    closing = std::move(connections_);
    connections_.clear();
  }
}

}  // namespace talkline::store::sqlite
