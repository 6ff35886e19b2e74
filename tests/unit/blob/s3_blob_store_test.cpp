// The BlobStore suite against the S3 store over HTTP and over HTTPS, each on a real
// s3rver this binary starts itself (tests/support/s3_server.hpp), and what only the S3
// store does: its options, part boundaries, key prefixes, and the reasons it gives
// when the service cannot serve.
#include "blob/s3/s3_blob_store.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <string>

#include "conformance/blob_conformance.hpp"
#include "support/s3_server.hpp"
#include "support/server_process.hpp"

namespace talkline::blob::s3 {
namespace {

using talkline::testing::S3Server;

// Parts far smaller than AWS allows (s3rver takes them), so multipart uploads happen
// with blobs of a few hundred KiB.
constexpr std::size_t kTestPartSize = kMinPartSize;

// A key prefix no other store of this binary uses: each test sees an empty store.
std::string fresh_prefix() {
  static std::atomic<int> next{0};
  return "t" + std::to_string(++next) + "/";
}

S3Server& server(bool tls) {
  if (const auto missing = S3Server::missing_reason()) throw talkline::conformance::BackendMissing(*missing);
  return tls ? S3Server::shared_tls() : S3Server::shared();
}

S3Options options_for(const S3Server& s3) {
  S3Options options;
  options.endpoint = s3.endpoint();
  options.bucket = S3Server::bucket();
  options.access_key_id = S3Server::access_key_id();
  options.secret_access_key = S3Server::secret_access_key();
  options.key_prefix = fresh_prefix();
  options.part_size = kTestPartSize;
  options.ca_file = s3.ca_file();
  options.list_page_size = 7;  // listings of a few keys already span pages
  options.connect_timeout = std::chrono::milliseconds(2000);
  options.io_timeout = std::chrono::milliseconds(10'000);
  return options;
}

std::unique_ptr<S3BlobStore> open_store(S3Options options) {
  auto store = S3BlobStore::open(std::move(options));
  if (!store) throw std::runtime_error("S3BlobStore::open: " + store.error().message);
  return std::move(store).value();
}

std::unique_ptr<BlobStore> make(bool tls) { return open_store(options_for(server(tls))); }

// s3rver writes an object in place rather than replacing it at once (AWS S3 does).
TALKLINE_INSTANTIATE_BLOB_CONFORMANCE(
    S3, talkline::conformance::BlobStoreFactory{"s3_http", [] { return make(false); }, false, false},
    talkline::conformance::BlobStoreFactory{"s3_https", [] { return make(true); }, false, false});

class S3BlobStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const auto missing = S3Server::missing_reason()) GTEST_SKIP() << *missing;
  }
  static S3Options options() { return options_for(S3Server::shared()); }
};

Result<BlobInfo> put(BlobStore& store, std::string_view key, std::string_view bytes) {
  auto writer = store.open_writer(key);
  if (!writer) return writer.take_error();
  TL_TRY((*writer)->append(bytes));
  return (*writer)->finish();
}

std::string read_all(BlobStore& store, std::string_view key) {
  std::string out;
  const auto read = store.read(key, 0, kToEnd, [&](std::string_view chunk) {
    out.append(chunk);
    return true;
  });
  return read.ok() ? out : "<" + read.error().message + ">";
}

std::string field_of(const Error& error) { return error.fields.empty() ? "" : error.fields.front().field; }

TEST(S3BlobStoreOptions, BadOptionsAreRefusedNamingTheOption) {
  const auto refused = [](auto change) {
    S3Options options;
    options.endpoint = "http://127.0.0.1:9000";
    options.bucket = "bucket";
    options.access_key_id = "id";
    options.secret_access_key = "secret";
    change(options);
    const auto store = S3BlobStore::open(options);
    return store.ok() ? std::string("ok") : field_of(store.error());
  };
  EXPECT_EQ(refused([](S3Options&) {}), "ok");
  EXPECT_EQ(refused([](S3Options& o) { o.endpoint = "ftp://x"; }), "endpoint");
  EXPECT_EQ(refused([](S3Options& o) { o.bucket = "Upper"; }), "bucket");
  EXPECT_EQ(refused([](S3Options& o) { o.bucket = "ab"; }), "bucket");
  EXPECT_EQ(refused([](S3Options& o) { o.secret_access_key = ""; }), "access_key_id");
  EXPECT_EQ(refused([](S3Options& o) { o.part_size = 1000; }), "part_size");
  EXPECT_EQ(refused([](S3Options& o) { o.key_prefix = "a b/"; }), "key_prefix");
  EXPECT_EQ(refused([](S3Options& o) { o.ca_file = "/etc/hosts"; }), "ca_file");  // http endpoint
  EXPECT_EQ(refused([](S3Options& o) { o.list_page_size = 0; }), "list_page_size");
  EXPECT_EQ(refused([](S3Options& o) { o.max_attempts = 0; }), "max_attempts");
}

TEST_F(S3BlobStoreTest, BlobsAtPartBoundariesRoundTrip) {
  auto store = open_store(options());
  for (const std::size_t size :
       {kTestPartSize - 1, kTestPartSize, kTestPartSize + 1, 2 * kTestPartSize, 2 * kTestPartSize + 1}) {
    std::string bytes(size, '\0');
    for (std::size_t i = 0; i < size; ++i) bytes[i] = static_cast<char>((i * 131 + size) & 0xff);
    const auto key = "p/" + std::to_string(size);
    const auto info = put(*store, key, bytes);
    ASSERT_TRUE(info.ok()) << size << ": " << info.error().message;
    EXPECT_EQ(info->size, size);
    EXPECT_TRUE(read_all(*store, key) == bytes) << size;
  }
}

TEST_F(S3BlobStoreTest, KeyPrefixesSeparateStoresSharingABucket) {
  auto one = open_store(options());
  auto two = open_store(options());
  ASSERT_TRUE(put(*one, "same/key", "one").ok());
  ASSERT_TRUE(put(*two, "same/key", "two").ok());
  EXPECT_EQ(read_all(*one, "same/key"), "one");
  EXPECT_EQ(read_all(*two, "same/key"), "two");
  int listed = 0;
  ASSERT_TRUE(one->list("", [&](const BlobEntry&) { return ++listed, true; }).ok());
  EXPECT_EQ(listed, 1);
}

TEST_F(S3BlobStoreTest, NoServiceListeningIsUnavailableSayingWhy) {
  auto options = S3BlobStoreTest::options();
  options.endpoint = "http://127.0.0.1:" + std::to_string(talkline::testing::free_loopback_port());
  options.max_attempts = 2;
  auto store = open_store(options);
  const auto stat = store->stat("k");
  ASSERT_FALSE(stat.ok());
  EXPECT_EQ(stat.error().code, ErrorCode::unavailable);
  EXPECT_NE(stat.error().message.find("connect"), std::string::npos) << stat.error().message;
  const auto written = put(*store, "k", "v");
  ASSERT_FALSE(written.ok());
  EXPECT_EQ(written.error().code, ErrorCode::unavailable);
}

TEST_F(S3BlobStoreTest, WrongSecretIsUnavailableWithS3sErrorCode) {
  auto options = S3BlobStoreTest::options();
  options.secret_access_key = "not-the-secret";
  auto store = open_store(options);
  const auto written = put(*store, "k", "v");
  ASSERT_FALSE(written.ok());
  EXPECT_EQ(written.error().code, ErrorCode::unavailable);
  EXPECT_NE(written.error().message.find("SignatureDoesNotMatch"), std::string::npos) << written.error().message;
  const auto listed = store->list("", [](const BlobEntry&) { return true; });
  ASSERT_FALSE(listed.ok());
  EXPECT_NE(listed.error().message.find("403"), std::string::npos) << listed.error().message;
}

TEST_F(S3BlobStoreTest, MissingBucketMakesWritesAndListingsUnavailable) {
  auto options = S3BlobStoreTest::options();
  options.bucket = "no-such-bucket";
  auto store = open_store(options);
  const auto written = put(*store, "k", "v");
  ASSERT_FALSE(written.ok());
  EXPECT_EQ(written.error().code, ErrorCode::unavailable);
  EXPECT_NE(written.error().message.find("NoSuchBucket"), std::string::npos) << written.error().message;
  const auto read = store->read("k", 0, kToEnd, [](std::string_view) { return true; });
  ASSERT_FALSE(read.ok());
  const auto listed = store->list("", [](const BlobEntry&) { return true; });
  ASSERT_FALSE(listed.ok());
  EXPECT_NE(listed.error().message.find("NoSuchBucket"), std::string::npos) << listed.error().message;
}

TEST_F(S3BlobStoreTest, HttpsWithoutTrustingTheCertificateFailsTheHandshake) {
  auto options = options_for(S3Server::shared_tls());
  options.ca_file.clear();
  auto store = open_store(options);
  const auto stat = store->stat("k");
  ASSERT_FALSE(stat.ok());
  EXPECT_EQ(stat.error().code, ErrorCode::unavailable);
  EXPECT_NE(stat.error().message.find("TLS handshake"), std::string::npos) << stat.error().message;
}

}  // namespace
}  // namespace talkline::blob::s3
