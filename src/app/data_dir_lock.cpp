#include "app/data_dir_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <utility>

namespace talkline::app {

Result<DataDirLock> DataDirLock::take(const std::string& data_dir, Mode mode) {
  const std::string path = (std::filesystem::path(data_dir) / "talkline.lock").string();
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return Error::unavailable("cannot open " + path + ": " + std::strerror(errno));
  if (::flock(fd, (mode == Mode::shared ? LOCK_SH : LOCK_EX) | LOCK_NB) != 0) {
    const int error = errno;
    ::close(fd);
    if (error == EWOULDBLOCK) {
      return Error::conflict(mode == Mode::shared
                                 ? "the data dir " + data_dir + " is being restored"
                                 : "a server (or admin create, or another restore) is using the data dir " + data_dir +
                                       ": stop it first");
    }
    return Error::unavailable("cannot lock " + path + ": " + std::strerror(error));
  }
  return DataDirLock(fd);
}

DataDirLock::~DataDirLock() {
  if (fd_ >= 0) ::close(fd_);
}

DataDirLock::DataDirLock(DataDirLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

DataDirLock& DataDirLock::operator=(DataDirLock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

}  // namespace talkline::app
