#include "app/blob_backend.hpp"

#include <filesystem>
#include <utility>

#include "blob/file_blob_store.hpp"
#include "blob/s3/s3_blob_store.hpp"

namespace talkline::app {

Result<std::unique_ptr<blob::BlobStore>> open_blob_backend(const config::Config& config) {
  if (config.blob_backend == "s3") {
    blob::s3::S3Options options;
    options.endpoint = config.s3_endpoint;
    options.bucket = config.s3_bucket;
    options.region = config.s3_region;
    options.access_key_id = config.s3_access_key_id;
    options.secret_access_key = config.s3_secret_access_key;
    options.key_prefix = config.s3_key_prefix;
    auto opened = blob::s3::S3BlobStore::open(std::move(options));
    if (!opened.ok()) {
      Error error = opened.take_error();
      error.message = "TALKLINE_S3_*: " + error.message;
      return error;
    }
    return std::unique_ptr<blob::BlobStore>(std::move(opened).value());
  }
  const std::filesystem::path root =
      config.blob_dir.empty() ? std::filesystem::path(config.data_dir) / "blobs" : std::filesystem::path(config.blob_dir);
  auto opened = blob::FileBlobStore::open(root);
  if (!opened.ok()) {
    Error error = opened.take_error();
    error.message = "TALKLINE_BLOB_DIR: " + error.message;
    return error;
  }
  return std::unique_ptr<blob::BlobStore>(std::move(opened).value());
}

}  // namespace talkline::app
