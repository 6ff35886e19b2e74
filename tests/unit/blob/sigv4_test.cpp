// SigV4 against the examples AWS publishes: the signing-key derivation of the
// "Signature Version 4" reference and the S3 header-based-auth examples
// ("Examples: Signature Calculations in AWS Signature Version 4", bucket examplebucket).
#include "blob/s3/sigv4.hpp"

#include <gtest/gtest.h>

#include "blob/sha256_stream.hpp"
#include "util/crypto.hpp"

namespace talkline::blob::s3 {
namespace {

constexpr const char* kEmptySha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

// The credentials of the S3 examples.
Credentials example_credentials() {
  return {"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "us-east-1", "s3"};
}

TEST(SigV4, SigningKeyMatchesTheDerivationExample) {
  // AWS General Reference, "Examples of how to derive a signing key for Signature Version 4".
  const std::string key = signing_key({"wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20120215", "us-east-1", "iam"});
  EXPECT_EQ(to_hex(key), "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d");
}

TEST(SigV4, GetObjectWithRangeMatchesTheS3Example) {
  SigningRequest request;
  request.method = "GET";
  request.path = "/test.txt";
  request.headers = {{"Host", "examplebucket.s3.amazonaws.com"},
                     {"Range", "bytes=0-9"},
                     {"x-amz-content-sha256", kEmptySha256},
                     {"x-amz-date", "20130524T000000Z"}};
  request.payload_sha256 = kEmptySha256;
  const Signature signature = sign(request, example_credentials(), "20130524T000000Z");

  EXPECT_EQ(signature.canonical_request,
            "GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\n"
            "x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
            "x-amz-date:20130524T000000Z\n\nhost;range;x-amz-content-sha256;x-amz-date\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(signature.string_to_sign,
            "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n"
            "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972");
  EXPECT_EQ(signature.signature, "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
  EXPECT_EQ(signature.authorization,
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
            "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,"
            "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

TEST(SigV4, PutObjectMatchesTheS3Example) {
  const std::string body = "Welcome to Amazon S3.";
  const std::string payload = util::sha256_hex(body);
  ASSERT_EQ(payload, "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
  SigningRequest request;
  request.method = "PUT";
  request.path = "/" + uri_encode("test$file.text", false);
  request.headers = {{"Host", "examplebucket.s3.amazonaws.com"},
                     {"Date", "Fri, 24 May 2013 00:00:00 GMT"},
                     {"x-amz-date", "20130524T000000Z"},
                     {"x-amz-storage-class", "REDUCED_REDUNDANCY"},
                     {"x-amz-content-sha256", payload}};
  request.payload_sha256 = payload;
  const Signature signature = sign(request, example_credentials(), "20130524T000000Z");
  EXPECT_EQ(request.path, "/test%24file.text");
  EXPECT_EQ(signature.signed_headers, "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class");
  EXPECT_EQ(signature.signature, "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
}

TEST(SigV4, ListObjectsWithAQueryMatchesTheS3Example) {
  SigningRequest request;
  request.method = "GET";
  request.path = "/";
  request.query = {{"prefix", "J"}, {"max-keys", "2"}};  // sorted by the signer
  request.headers = {{"Host", "examplebucket.s3.amazonaws.com"},
                     {"x-amz-date", "20130524T000000Z"},
                     {"x-amz-content-sha256", kEmptySha256}};
  request.payload_sha256 = kEmptySha256;
  const Signature signature = sign(request, example_credentials(), "20130524T000000Z");
  EXPECT_NE(signature.canonical_request.find("\nmax-keys=2&prefix=J\n"), std::string::npos);
  EXPECT_EQ(signature.signature, "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
}

TEST(SigV4, GetBucketLifecycleWithAValuelessParameterMatchesTheS3Example) {
  SigningRequest request;
  request.method = "GET";
  request.path = "/";
  request.query = {{"lifecycle", ""}};
  request.headers = {{"Host", "examplebucket.s3.amazonaws.com"},
                     {"x-amz-date", "20130524T000000Z"},
                     {"x-amz-content-sha256", kEmptySha256}};
  request.payload_sha256 = kEmptySha256;
  const Signature signature = sign(request, example_credentials(), "20130524T000000Z");
  EXPECT_NE(signature.canonical_request.find("\nlifecycle=\n"), std::string::npos);
  EXPECT_EQ(signature.signature, "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543");
}

TEST(SigV4, UriEncodeKeepsUnreservedAndEncodesTheRestUpperCase) {
  EXPECT_EQ(uri_encode("AZaz09-._~", true), "AZaz09-._~");
  EXPECT_EQ(uri_encode("a b/c", false), "a%20b/c");
  EXPECT_EQ(uri_encode("a b/c", true), "a%20b%2Fc");
  EXPECT_EQ(uri_encode("\xc3\xa9+=*", true), "%C3%A9%2B%3D%2A");
}

TEST(SigV4, CanonicalQuerySortsByEncodedNameThenValue) {
  EXPECT_EQ(canonical_query({{"uploadId", "x y"}, {"partNumber", "2"}}), "partNumber=2&uploadId=x%20y");
  EXPECT_EQ(canonical_query({{"b", "2"}, {"a", "2"}, {"a", "1"}}), "a=1&a=2&b=2");
  EXPECT_EQ(canonical_query({{"uploads", ""}}), "uploads=");
  EXPECT_EQ(canonical_query({}), "");
}

TEST(SigV4, HeaderValuesAreTrimmedAndNamesLowerCased) {
  SigningRequest request{"GET", "/", {}, {{"X-Amz-Meta-A", "  one   two  "}, {"Host", "h"}}, kEmptySha256};
  const Signature signature = sign(request, example_credentials(), "20130524T000000Z");
  EXPECT_NE(signature.canonical_request.find("\nx-amz-meta-a:one two\n"), std::string::npos)
      << signature.canonical_request;
  EXPECT_EQ(signature.signed_headers, "host;x-amz-meta-a");
}

TEST(SigV4, AmzDateIsUtc) {
  EXPECT_EQ(amz_date(std::chrono::system_clock::time_point(std::chrono::seconds(1369353600))), "20130524T000000Z");
}

}  // namespace
}  // namespace talkline::blob::s3
