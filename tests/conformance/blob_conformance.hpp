#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <ostream>
#include <stdexcept>
#include <string>

#include "blob/blob_store.hpp"

// The BlobStore conformance suite: every backend of blob::BlobStore passes the same
// cases. A backend's test file only instantiates it:
//
//   TALKLINE_INSTANTIATE_BLOB_CONFORMANCE(File,
//       talkline::conformance::BlobStoreFactory{"file", [] { return make_my_store(); }});
//
// Each test calls make() once and expects a store that holds nothing (a fresh
// directory, or a key prefix no other store uses).

namespace talkline::conformance {

struct BlobStoreFactory {
  std::string name;
  std::function<std::unique_ptr<blob::BlobStore>()> make;
  /// True when remove_abandoned_writes() deletes what an unfinished writer left (the
  /// filesystem store); false when it only returns 0 (S3).
  bool sweeps_abandoned_writes = false;
  /// False for a test server that writes an object in place instead of replacing it
  /// at once (s3rver): the cases racing readers or writers against a replacement then
  /// check only that every call succeeds. AWS S3 and the filesystem store replace
  /// atomically.
  bool atomic_replace = true;
};

/// Thrown by BlobStoreFactory::make when the backend cannot run here (its test server
/// is not installed): the test is skipped with this message.
struct BackendMissing : std::runtime_error {
  using std::runtime_error::runtime_error;
};

void PrintTo(const BlobStoreFactory& factory, std::ostream* out);
std::string blob_factory_name(const testing::TestParamInfo<BlobStoreFactory>& info);

class BlobConformance : public testing::TestWithParam<BlobStoreFactory> {
 protected:
  void SetUp() override;
  blob::BlobStore& store() { return *store_; }

 private:
  std::unique_ptr<blob::BlobStore> store_;
};

}  // namespace talkline::conformance

/// Instantiates the suite for the given BlobStoreFactory values, at namespace scope.
#define TALKLINE_INSTANTIATE_BLOB_CONFORMANCE(prefix, ...)                          \
  using ::talkline::conformance::BlobConformance;                                   \
  INSTANTIATE_TEST_SUITE_P(prefix, BlobConformance, ::testing::Values(__VA_ARGS__), \
                           ::talkline::conformance::blob_factory_name)
