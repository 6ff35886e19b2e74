#include "blob/blob_copy.hpp"

namespace talkline::blob {

Result<BlobCopySummary> copy_blobs(BlobStore& from, BlobStore& to, const std::vector<std::string>& keys) {
  BlobCopySummary summary;
  for (const std::string& key : keys) {
    auto source = from.stat(key);
    if (!source.ok()) {
      if (source.error().code != ErrorCode::not_found) return source.take_error();
      summary.missing.push_back(key);
      continue;
    }
    if (auto there = to.stat(key); there.ok() && there->size == source->size) {
      ++summary.already_there;
      continue;
    }
    TL_TRY_ASSIGN(auto writer, to.open_writer(key));
    Result<void> appended = ok_result();
    auto read = from.read(key, 0, kToEnd, [&](std::string_view chunk) {
      appended = writer->append(chunk);
      return appended.ok();
    });
    if (!appended.ok()) return appended.take_error();
    if (!read.ok()) {
      // Removed between stat and read: the same as missing.
      if (read.error().code != ErrorCode::not_found) return read.take_error();
      writer->abort();
      summary.missing.push_back(key);
      continue;
    }
    TL_TRY_ASSIGN(BlobInfo info, writer->finish());
    ++summary.copied;
    summary.bytes_copied += info.size;
  }
  return summary;
}

}  // namespace talkline::blob
