#pragma once

#include <memory>

#include "blob/blob_store.hpp"
#include "config/config.hpp"
#include "util/result.hpp"

namespace talkline::app {

/// The BlobStore TALKLINE_BLOB_BACKEND names: a directory (file: TALKLINE_BLOB_DIR, by
/// default <data dir>/blobs, created when missing) or an S3 bucket (s3: the TALKLINE_S3_*
/// keys; nothing is sent to the service until the first upload).
Result<std::unique_ptr<blob::BlobStore>> open_blob_backend(const config::Config& config);

}  // namespace talkline::app
