#include "store/sqlite/wal_append_buffer.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <new>
#include <string>
#include <type_traits>

namespace talkline::store::sqlite {

namespace {

// A group commit of a few hundred pages is about a megabyte; a larger transaction (a
// migration, a retention sweep) goes out a megabyte at a time instead of growing the buffer.
constexpr std::size_t kFlushBytes = std::size_t{1} << 20;

// The default VFS writes at most 128 KiB less one byte per call (it masks the length to 17
// bits), so the gathered bytes go out in pieces of the most whole 4 KiB blocks below that.
constexpr std::size_t kMaxFileWrite = std::size_t{124} << 10;

std::atomic<std::uint64_t> appends_accepted{0};
std::atomic<std::uint64_t> file_writes{0};

// Lives at the start of the sqlite3_file memory SQLite allocates (szOsFile bytes); the
// default VFS's own file object follows it at kInnerOffset.
struct BufferedWal {
  sqlite3_file base;  // first, so SQLite's sqlite3_file* is this object's address
  sqlite3_file* inner = nullptr;
  std::string pending;
  sqlite3_int64 pending_at = 0;  // file offset of pending[0]
};

// SQLite hands back the sqlite3_file pointer, which is only this object's address if the
// layout is standard.
static_assert(std::is_standard_layout_v<BufferedWal>);

constexpr std::size_t kInnerOffset = (sizeof(BufferedWal) + 15) & ~std::size_t{15};

BufferedWal& wal(sqlite3_file* file) { return *reinterpret_cast<BufferedWal*>(file); }
sqlite3_vfs* default_vfs(sqlite3_vfs* self) { return static_cast<sqlite3_vfs*>(self->pAppData); }
const sqlite3_io_methods& inner_methods(BufferedWal& w) { return *w.inner->pMethods; }

int flush(BufferedWal& w) {
  int rc = SQLITE_OK;
  for (std::size_t done = 0; done < w.pending.size() && rc == SQLITE_OK; done += kMaxFileWrite) {
    const std::size_t amount = std::min(kMaxFileWrite, w.pending.size() - done);
    file_writes.fetch_add(1, std::memory_order_relaxed);
    rc = inner_methods(w).xWrite(w.inner, w.pending.data() + done, static_cast<int>(amount),
                                 w.pending_at + static_cast<sqlite3_int64>(done));
  }
  // On failure the bytes are dropped, not retried: the error fails the operation that
  // flushed (a sync fails the commit), and SQLite rewrites whatever it still needs.
  w.pending.clear();
  return rc;
}

int wal_close(sqlite3_file* file) {
  BufferedWal& w = wal(file);
  int flushed = flush(w);
  int closed = inner_methods(w).xClose(w.inner);
  w.~BufferedWal();
  return flushed != SQLITE_OK ? flushed : closed;
}

int wal_read(sqlite3_file* file, void* into, int amount, sqlite3_int64 offset) {
  BufferedWal& w = wal(file);
  if (int rc = flush(w); rc != SQLITE_OK) return rc;
  return inner_methods(w).xRead(w.inner, into, amount, offset);
}

int wal_write(sqlite3_file* file, const void* data, int amount, sqlite3_int64 offset) {
  BufferedWal& w = wal(file);
  appends_accepted.fetch_add(1, std::memory_order_relaxed);
  // Frames are appended in order; anything else (a frame rewritten in place, a WAL
  // restarted from its start) first lets what is gathered reach the file.
  if (!w.pending.empty() && offset != w.pending_at + static_cast<sqlite3_int64>(w.pending.size())) {
    if (int rc = flush(w); rc != SQLITE_OK) return rc;
  }
  if (w.pending.empty()) w.pending_at = offset;
  w.pending.append(static_cast<const char*>(data), static_cast<std::size_t>(amount));
  return w.pending.size() >= kFlushBytes ? flush(w) : SQLITE_OK;
}

int wal_truncate(sqlite3_file* file, sqlite3_int64 size) {
  BufferedWal& w = wal(file);
  if (int rc = flush(w); rc != SQLITE_OK) return rc;
  return inner_methods(w).xTruncate(w.inner, size);
}

int wal_sync(sqlite3_file* file, int flags) {
  BufferedWal& w = wal(file);
  if (int rc = flush(w); rc != SQLITE_OK) return rc;
  return inner_methods(w).xSync(w.inner, flags);
}

int wal_file_size(sqlite3_file* file, sqlite3_int64* size) {
  BufferedWal& w = wal(file);
  if (int rc = flush(w); rc != SQLITE_OK) return rc;
  return inner_methods(w).xFileSize(w.inner, size);
}

int wal_lock(sqlite3_file* file, int level) { return inner_methods(wal(file)).xLock(wal(file).inner, level); }
int wal_unlock(sqlite3_file* file, int level) { return inner_methods(wal(file)).xUnlock(wal(file).inner, level); }
int wal_check_reserved_lock(sqlite3_file* file, int* out) {
  return inner_methods(wal(file)).xCheckReservedLock(wal(file).inner, out);
}

int wal_file_control(sqlite3_file* file, int op, void* arg) {
  BufferedWal& w = wal(file);
  if (int rc = flush(w); rc != SQLITE_OK) return rc;
  return inner_methods(w).xFileControl(w.inner, op, arg);
}

int wal_sector_size(sqlite3_file* file) { return inner_methods(wal(file)).xSectorSize(wal(file).inner); }
int wal_device_characteristics(sqlite3_file* file) {
  return inner_methods(wal(file)).xDeviceCharacteristics(wal(file).inner);
}

// SQLite keeps the wal-index beside the database file, never the WAL file, and maps only
// the database file; these forward for completeness.
int wal_shm_map(sqlite3_file* file, int region, int size, int extend, void volatile** out) {
  BufferedWal& w = wal(file);
  if (inner_methods(w).iVersion < 2) return SQLITE_IOERR_SHMMAP;
  return inner_methods(w).xShmMap(w.inner, region, size, extend, out);
}
int wal_shm_lock(sqlite3_file* file, int offset, int n, int flags) {
  BufferedWal& w = wal(file);
  if (inner_methods(w).iVersion < 2) return SQLITE_IOERR_SHMLOCK;
  return inner_methods(w).xShmLock(w.inner, offset, n, flags);
}
void wal_shm_barrier(sqlite3_file* file) {
  BufferedWal& w = wal(file);
  if (inner_methods(w).iVersion >= 2) inner_methods(w).xShmBarrier(w.inner);
}
int wal_shm_unmap(sqlite3_file* file, int delete_flag) {
  BufferedWal& w = wal(file);
  if (inner_methods(w).iVersion < 2) return SQLITE_OK;
  return inner_methods(w).xShmUnmap(w.inner, delete_flag);
}
int wal_fetch(sqlite3_file* file, sqlite3_int64 offset, int amount, void** out) {
  BufferedWal& w = wal(file);
  *out = nullptr;
  if (int rc = flush(w); rc != SQLITE_OK) return rc;
  if (inner_methods(w).iVersion < 3) return SQLITE_OK;  // no mapping: SQLite reads instead
  return inner_methods(w).xFetch(w.inner, offset, amount, out);
}
int wal_unfetch(sqlite3_file* file, sqlite3_int64 offset, void* page) {
  BufferedWal& w = wal(file);
  if (inner_methods(w).iVersion < 3) return SQLITE_OK;
  return inner_methods(w).xUnfetch(w.inner, offset, page);
}

const sqlite3_io_methods kBufferedWalMethods = {
    3,
    wal_close,
    wal_read,
    wal_write,
    wal_truncate,
    wal_sync,
    wal_file_size,
    wal_lock,
    wal_unlock,
    wal_check_reserved_lock,
    wal_file_control,
    wal_sector_size,
    wal_device_characteristics,
    wal_shm_map,
    wal_shm_lock,
    wal_shm_barrier,
    wal_shm_unmap,
    wal_fetch,
    wal_unfetch,
};

int vfs_open(sqlite3_vfs* self, sqlite3_filename name, sqlite3_file* file, int flags, int* out_flags) {
  sqlite3_vfs* inner_vfs = default_vfs(self);
  // Every other file is the default VFS's own object in this memory, with its own methods:
  // nothing of this VFS stands between SQLite and those files.
  if ((flags & SQLITE_OPEN_WAL) == 0) return inner_vfs->xOpen(inner_vfs, name, file, flags, out_flags);
  auto* inner = reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(file) + kInnerOffset);
  inner->pMethods = nullptr;
  int rc = inner_vfs->xOpen(inner_vfs, name, inner, flags, out_flags);
  if (rc != SQLITE_OK) {
    if (inner->pMethods != nullptr) inner->pMethods->xClose(inner);
    file->pMethods = nullptr;  // SQLite then does not call xClose
    return rc;
  }
  auto* buffered = new (file) BufferedWal();
  buffered->base.pMethods = &kBufferedWalMethods;
  buffered->inner = inner;
  return SQLITE_OK;
}

int vfs_delete(sqlite3_vfs* self, const char* name, int sync_dir) {
  return default_vfs(self)->xDelete(default_vfs(self), name, sync_dir);
}
int vfs_access(sqlite3_vfs* self, const char* name, int flags, int* out) {
  return default_vfs(self)->xAccess(default_vfs(self), name, flags, out);
}
int vfs_full_pathname(sqlite3_vfs* self, const char* name, int size, char* out) {
  return default_vfs(self)->xFullPathname(default_vfs(self), name, size, out);
}
void* vfs_dl_open(sqlite3_vfs* self, const char* name) { return default_vfs(self)->xDlOpen(default_vfs(self), name); }
void vfs_dl_error(sqlite3_vfs* self, int size, char* out) { default_vfs(self)->xDlError(default_vfs(self), size, out); }
void (*vfs_dl_sym(sqlite3_vfs* self, void* handle, const char* symbol))(void) {
  return default_vfs(self)->xDlSym(default_vfs(self), handle, symbol);
}
void vfs_dl_close(sqlite3_vfs* self, void* handle) { default_vfs(self)->xDlClose(default_vfs(self), handle); }
int vfs_randomness(sqlite3_vfs* self, int size, char* out) {
  return default_vfs(self)->xRandomness(default_vfs(self), size, out);
}
int vfs_sleep(sqlite3_vfs* self, int micros) { return default_vfs(self)->xSleep(default_vfs(self), micros); }
int vfs_current_time(sqlite3_vfs* self, double* out) {
  return default_vfs(self)->xCurrentTime(default_vfs(self), out);
}
int vfs_get_last_error(sqlite3_vfs* self, int size, char* out) {
  return default_vfs(self)->xGetLastError(default_vfs(self), size, out);
}
int vfs_current_time_int64(sqlite3_vfs* self, sqlite3_int64* out) {
  return default_vfs(self)->xCurrentTimeInt64(default_vfs(self), out);
}

sqlite3_vfs make_vfs(sqlite3_vfs* inner) {
  sqlite3_vfs vfs{};
  vfs.iVersion = 2;  // the system-call overrides stay the default VFS's business
  vfs.szOsFile = static_cast<int>(kInnerOffset) + inner->szOsFile;
  vfs.mxPathname = inner->mxPathname;
  vfs.zName = "talkline-wal-append-buffer";
  vfs.pAppData = inner;
  vfs.xOpen = vfs_open;
  vfs.xDelete = vfs_delete;
  vfs.xAccess = vfs_access;
  vfs.xFullPathname = vfs_full_pathname;
  if (inner->xDlOpen != nullptr) {
    vfs.xDlOpen = vfs_dl_open;
    vfs.xDlError = vfs_dl_error;
    vfs.xDlSym = vfs_dl_sym;
    vfs.xDlClose = vfs_dl_close;
  }
  vfs.xRandomness = vfs_randomness;
  vfs.xSleep = vfs_sleep;
  vfs.xCurrentTime = vfs_current_time;
  vfs.xGetLastError = vfs_get_last_error;
  if (inner->iVersion >= 2 && inner->xCurrentTimeInt64 != nullptr) vfs.xCurrentTimeInt64 = vfs_current_time_int64;
  return vfs;
}

}  // namespace

const char* wal_append_buffer_vfs() {
  static const char* const name = []() -> const char* {
    static sqlite3_vfs vfs;
    if (sqlite3_initialize() != SQLITE_OK) return nullptr;
    sqlite3_vfs* inner = sqlite3_vfs_find(nullptr);
    if (inner == nullptr) return nullptr;
    vfs = make_vfs(inner);
    if (sqlite3_vfs_register(&vfs, 0) != SQLITE_OK) return nullptr;
    return vfs.zName;
  }();
  return name;
}

WalAppendCounts wal_append_counts() {
  return {appends_accepted.load(std::memory_order_relaxed), file_writes.load(std::memory_order_relaxed)};
}

}  // namespace talkline::store::sqlite
