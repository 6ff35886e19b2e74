#include "blob/file_blob_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "blob/blob_key.hpp"
#include "blob/sha256_stream.hpp"
#include "util/crypto.hpp"

namespace talkline::blob {

namespace fs = std::filesystem;

namespace {

// How much one read() hands the sink at a time, and the buffer it reads into.
constexpr std::size_t kReadChunk = 256 * 1024;
constexpr char kSlashInName = '~';
constexpr std::string_view kPartSuffix = ".part";

Error io_error(std::string_view what, const fs::path& path, int error) {
  return Error::unavailable("blob store: " + std::string(what) + " " + path.string() + ": " +
                            std::error_code(error, std::system_category()).message());
}

std::string file_name_of(std::string_view key) {
  std::string name(key);
  std::replace(name.begin(), name.end(), '/', kSlashInName);
  return name;
}

std::string key_of(std::string_view file_name) {
  std::string key(file_name);
  std::replace(key.begin(), key.end(), kSlashInName, '/');
  return key;
}

Clock::time_point modified_of(const struct stat& info) {
  const auto since_epoch = std::chrono::seconds(info.st_mtim.tv_sec) + std::chrono::nanoseconds(info.st_mtim.tv_nsec);
  return Clock::time_point(std::chrono::duration_cast<Clock::duration>(since_epoch));
}

// Closes `fd`, retrying nothing: after close() fails the descriptor is gone anyway.
void close_quietly(int fd) {
  if (fd >= 0) ::close(fd);
}

// fsyncs a directory, so a rename or a creation in it survives a crash.
Result<void> sync_directory(const fs::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return io_error("open directory", dir, errno);
  const int synced = ::fsync(fd);
  const int error = errno;
  ::close(fd);
  if (synced != 0) return io_error("fsync directory", dir, error);
  return ok_result();
}

// Creates `dir` (one level) when missing; a new directory is made durable in its parent.
Result<void> ensure_directory(const fs::path& dir) {
  if (::mkdir(dir.c_str(), 0755) == 0) return sync_directory(dir.parent_path());
  if (errno == EEXIST) return ok_result();
  return io_error("create directory", dir, errno);
}

Result<void> write_all(int fd, std::string_view bytes, const fs::path& path) {
  while (!bytes.empty()) {
    const ssize_t written = ::write(fd, bytes.data(), bytes.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      return io_error("write", path, errno);
    }
    bytes.remove_prefix(static_cast<std::size_t>(written));
  }
  return ok_result();
}

class FileBlobWriter final : public BlobWriter {
 public:
  FileBlobWriter(fs::path temp, fs::path final_path, int fd)
      : temp_(std::move(temp)), final_(std::move(final_path)), fd_(fd) {}
  ~FileBlobWriter() override { abort(); }
  FileBlobWriter(const FileBlobWriter&) = delete;
  FileBlobWriter& operator=(const FileBlobWriter&) = delete;

  Result<void> append(std::string_view chunk) override {
    if (fd_ < 0) return Error::internal("blob writer: append after finish, abort or a failure");
    auto written = write_all(fd_, chunk, temp_);
    if (!written) {
      abort();
      return written;
    }
    hash_.update(chunk);
    size_ += chunk.size();
    return ok_result();
  }

  Result<BlobInfo> finish() override {
    if (fd_ < 0) return Error::internal("blob writer: finish after finish, abort or a failure");
    auto stored = store();
    if (!stored) {
      abort();
      return stored.take_error();
    }
    return BlobInfo{size_, hash_.finish_hex()};
  }

  void abort() override {
    close_quietly(fd_);
    fd_ = -1;
    if (!temp_.empty()) ::unlink(temp_.c_str());
    temp_.clear();
  }

 private:
  // The temporary file made durable, then renamed over the final name.
  Result<void> store() {
    // The blob's time is when it was finished, not when its last byte was written.
    if (::futimens(fd_, nullptr) != 0) return io_error("set time of", temp_, errno);
    if (::fsync(fd_) != 0) return io_error("fsync", temp_, errno);
    const int closed = ::close(fd_);
    fd_ = -1;
    if (closed != 0) return io_error("close", temp_, errno);
    const fs::path dir = final_.parent_path();
    TL_TRY(ensure_directory(dir.parent_path()));
    TL_TRY(ensure_directory(dir));
    if (::rename(temp_.c_str(), final_.c_str()) != 0) return io_error("rename into place", final_, errno);
    temp_.clear();  // it is the blob now: abort() must not remove it
    return sync_directory(dir);
  }

  fs::path temp_;
  const fs::path final_;
  int fd_;
  Sha256Stream hash_;
  std::uint64_t size_ = 0;
};

}  // namespace

FileBlobStore::FileBlobStore(fs::path root)
    : root_(std::move(root)), objects_(root_ / "objects"), tmp_(root_ / "tmp") {}

Result<std::unique_ptr<FileBlobStore>> FileBlobStore::open(fs::path root) {
  std::error_code error;
  fs::create_directories(root, error);
  if (error) {
    return Error::unavailable("blob store: create directory " + root.string() + ": " + error.message());
  }
  std::unique_ptr<FileBlobStore> store(new FileBlobStore(std::move(root)));
  TL_TRY(ensure_directory(store->objects_));
  TL_TRY(ensure_directory(store->tmp_));
  return store;
}

fs::path FileBlobStore::path_of(std::string_view key) const {
  const std::string hash = util::sha256_hex(key);
  return objects_ / hash.substr(0, 2) / hash.substr(2, 2) / file_name_of(key);
}

Result<std::unique_ptr<BlobWriter>> FileBlobStore::open_writer(std::string_view key) {
  TL_TRY(check_key(key));
  const fs::path temp = tmp_ / (to_hex(util::random_bytes(16)) + std::string(kPartSuffix));
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return io_error("create", temp, errno);
  return std::unique_ptr<BlobWriter>(new FileBlobWriter(temp, path_of(key), fd));
}

Result<std::uint64_t> FileBlobStore::read(std::string_view key, std::uint64_t offset, std::uint64_t length,
                                          const ChunkSink& sink) {
  TL_TRY(check_key(key));
  const fs::path path = path_of(key);
  // The open descriptor keeps this version of the blob even if it is replaced meanwhile.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return Error::not_found("blob " + std::string(key));
    return io_error("open", path, errno);
  }
  struct FdCloser {
    int fd;
    ~FdCloser() { ::close(fd); }
  } closer{fd};

  struct stat info {};
  if (::fstat(fd, &info) != 0) return io_error("stat", path, errno);
  const auto size = static_cast<std::uint64_t>(info.st_size);
  if (offset > size) return Error::invalid("offset", "is past the end of the blob");
  const std::uint64_t wanted = std::min(length, size - offset);

  std::vector<char> buffer(static_cast<std::size_t>(std::min<std::uint64_t>(wanted, kReadChunk)));
  std::uint64_t delivered = 0;
  while (delivered < wanted) {
    const std::size_t ask = static_cast<std::size_t>(std::min<std::uint64_t>(wanted - delivered, buffer.size()));
    const ssize_t got = ::pread(fd, buffer.data(), ask, static_cast<off_t>(offset + delivered));
    if (got < 0) {
      if (errno == EINTR) continue;
      return io_error("read", path, errno);
    }
    if (got == 0) return Error::unavailable("blob store: " + path.string() + " ended before its size");
    delivered += static_cast<std::uint64_t>(got);
    if (!sink(std::string_view(buffer.data(), static_cast<std::size_t>(got)))) break;
  }
  return delivered;
}

Result<BlobStat> FileBlobStore::stat(std::string_view key) {
  TL_TRY(check_key(key));
  const fs::path path = path_of(key);
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    if (errno == ENOENT) return Error::not_found("blob " + std::string(key));
    return io_error("stat", path, errno);
  }
  return BlobStat{static_cast<std::uint64_t>(info.st_size), modified_of(info)};
}

Result<void> FileBlobStore::remove(std::string_view key) {
  TL_TRY(check_key(key));
  const fs::path path = path_of(key);
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) return io_error("remove", path, errno);
  return ok_result();
}

// Walks objects/<xx>/<yy>/ and reads each key back from its file name. Names that no
// key maps to (left there by hand) are skipped.
Result<void> FileBlobStore::list(std::string_view prefix, const EntryVisitor& visit) {
  TL_TRY(check_prefix(prefix));
  std::error_code error;
  for (fs::directory_iterator outer(objects_, error), end; !error && outer != end; outer.increment(error)) {
    if (!outer->is_directory(error)) continue;
    for (fs::directory_iterator inner(outer->path(), error); !error && inner != end; inner.increment(error)) {
      if (!inner->is_directory(error)) continue;
      for (fs::directory_iterator file(inner->path(), error); !error && file != end; file.increment(error)) {
        const std::string key = key_of(file->path().filename().string());
        if (!key.starts_with(prefix) || !check_key(key).ok()) continue;
        struct stat info {};
        if (::stat(file->path().c_str(), &info) != 0 || !S_ISREG(info.st_mode)) continue;  // removed meanwhile
        if (!visit(BlobEntry{key, BlobStat{static_cast<std::uint64_t>(info.st_size), modified_of(info)}})) {
          return ok_result();
        }
      }
      // A directory removed by hand while listed is not the store failing.
      if (error == std::errc::no_such_file_or_directory) error.clear();
    }
    if (error == std::errc::no_such_file_or_directory) error.clear();
  }
  if (error) return Error::unavailable("blob store: list " + objects_.string() + ": " + error.message());
  return ok_result();
}

Result<std::size_t> FileBlobStore::remove_abandoned_writes(Clock::time_point cutoff) {
  std::size_t removed = 0;
  std::error_code error;
  for (fs::directory_iterator entry(tmp_, error), end; !error && entry != end; entry.increment(error)) {
    const fs::path path = entry->path();
    if (!path.filename().string().ends_with(kPartSuffix)) continue;
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0 || !S_ISREG(info.st_mode)) continue;
    // A writer still appending touches its file; one idle since before the cutoff is gone.
    if (modified_of(info) >= cutoff) continue;
    if (::unlink(path.c_str()) == 0) ++removed;
  }
  if (error) return Error::unavailable("blob store: list " + tmp_.string() + ": " + error.message());
  return removed;
}

}  // namespace talkline::blob
