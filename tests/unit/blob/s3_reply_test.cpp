#include "blob/s3/s3_reply.hpp"

#include <gtest/gtest.h>

#include <string>

namespace talkline::blob::s3 {
namespace {

using std::chrono::seconds;

TimePoint at(std::int64_t epoch_seconds) { return TimePoint(seconds(epoch_seconds)); }

TEST(S3Reply, ReadsAnErrorDocument) {
  const auto reply = parse_error_reply(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>NoSuchKey</Code><Message>The resource you "
      "requested does not exist</Message><Resource>/mybucket/myfoto.jpg</Resource><RequestId>4442587FB7D0A2F9"
      "</RequestId></Error>");
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->code, "NoSuchKey");
  EXPECT_EQ(reply->message, "The resource you requested does not exist");
  EXPECT_FALSE(parse_error_reply("<Error><Message>no code</Message></Error>"));
  EXPECT_FALSE(parse_error_reply("<Other><Code>X</Code></Other>"));
  EXPECT_FALSE(parse_error_reply(""));
}

TEST(S3Reply, ReadsTheUploadIdOfAnInitiatedUpload) {
  const auto id = parse_upload_id(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<InitiateMultipartUploadResult "
      "xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Bucket>example-bucket</Bucket><Key>example-object</Key>"
      "<UploadId>VXBsb2FkIElEIGZvciA2aWWpbmcncyBteS1tb3ZpZS5tMnRzIHVwbG9hZA</UploadId>"
      "</InitiateMultipartUploadResult>");
  ASSERT_TRUE(id);
  EXPECT_EQ(*id, "VXBsb2FkIElEIGZvciA2aWWpbmcncyBteS1tb3ZpZS5tMnRzIHVwbG9hZA");
  EXPECT_FALSE(parse_upload_id("<InitiateMultipartUploadResult><UploadId></UploadId></InitiateMultipartUploadResult>"));
}

TEST(S3Reply, TellsACompletedUploadFromAnErrorAnswered200) {
  EXPECT_TRUE(is_complete_result(
      "<CompleteMultipartUploadResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Location>"
      "http://Example-Bucket.s3.amazonaws.com/Example-Object</Location><ETag>\"3858f62230ac3c915f300c664312c11f-9"
      "\"</ETag></CompleteMultipartUploadResult>"));
  EXPECT_FALSE(is_complete_result("<Error><Code>InternalError</Code></Error>"));
  EXPECT_FALSE(is_complete_result("   "));
}

TEST(S3Reply, ReadsAListPage) {
  const auto page = parse_list_page(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\n"
      "  <Name>bucket</Name><Prefix>u/</Prefix><KeyCount>2</KeyCount><MaxKeys>2</MaxKeys>\n"
      "  <IsTruncated>true</IsTruncated>\n"
      "  <Contents><Key>u/a&amp;b</Key><LastModified>2009-10-12T17:50:30.000Z</LastModified>"
      "<ETag>&quot;fba9dede5f27731c9771645a39863328&quot;</ETag><Size>434234</Size>"
      "<StorageClass>STANDARD</StorageClass></Contents>\n"
      "  <Contents><Key>u/&#x41;&#66;</Key><LastModified>2026-12-07T07:10:02Z</LastModified><Size>0</Size>"
      "</Contents>\n"
      "  <NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</NextContinuationToken>\n"
      "</ListBucketResult>");
  ASSERT_TRUE(page);
  EXPECT_TRUE(page->truncated);
  EXPECT_EQ(page->next_token, "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=");
  ASSERT_EQ(page->objects.size(), 2u);
  EXPECT_EQ(page->objects[0].key, "u/a&b");
  EXPECT_EQ(page->objects[0].size, 434234u);
  EXPECT_EQ(page->objects[0].modified, at(1255369830));
  EXPECT_EQ(page->objects[1].key, "u/AB");
  EXPECT_EQ(page->objects[1].modified, at(1796627402));
}

TEST(S3Reply, RefusesListPagesWithMissingOrBadFields) {
  const std::string head = "<ListBucketResult>";
  const std::string tail = "</ListBucketResult>";
  EXPECT_TRUE(parse_list_page(head + "<IsTruncated>false</IsTruncated>" + tail));
  EXPECT_FALSE(parse_list_page(head + tail));                                      // no IsTruncated
  EXPECT_FALSE(parse_list_page(head + "<IsTruncated>true</IsTruncated>" + tail));  // no token
  EXPECT_FALSE(parse_list_page(head + "<IsTruncated>yes</IsTruncated>" + tail));
  EXPECT_FALSE(parse_list_page(head +
                               "<IsTruncated>false</IsTruncated><Contents><Key>k</Key><Size>-1</Size>"
                               "<LastModified>2009-10-12T17:50:30Z</LastModified></Contents>" +
                               tail));
  EXPECT_FALSE(parse_list_page(head +
                               "<IsTruncated>false</IsTruncated><Contents><Key>k</Key><Size>1</Size>"
                               "<LastModified>2009-02-30T17:50:30Z</LastModified></Contents>" +
                               tail));
  EXPECT_FALSE(parse_list_page(head + "<IsTruncated>false</IsTruncated><Contents><Size>1</Size></Contents>" + tail));
}

TEST(S3Reply, RefusesXmlOutsideTheSubset) {
  for (const char* bad : {"", "<a>", "<a></b>", "<a><b></a></b>", "<a>&bogus;</a>", "<a>&#0;</a>", "<a>&#xD800;</a>",
                          "<a>&#x110000;</a>", "<a><!-- c --></a>", "<a><![CDATA[x]]></a>", "<!DOCTYPE a><a/>",
                          "<a x=1/>", "<a x=\"<\"/>", "<a/><b/>", "<a/>trailing", "<1a/>", "<a>&amp</a>"}) {
    EXPECT_FALSE(parse_xml(bad)) << bad;
  }
  EXPECT_TRUE(parse_xml("<a x='1' y=\"&amp;\"><b/> text </a>"));
}

TEST(S3Reply, BoundsDepth) {
  std::string deep;
  for (int i = 0; i < 17; ++i) deep += "<a>";
  for (int i = 0; i < 17; ++i) deep += "</a>";
  EXPECT_FALSE(parse_xml(deep));
  std::string fine;
  for (int i = 0; i < 16; ++i) fine += "<a>";
  for (int i = 0; i < 16; ++i) fine += "</a>";
  EXPECT_TRUE(parse_xml(fine));
}

TEST(S3Reply, ReadsDecimalsDatesAndContentRanges) {
  EXPECT_EQ(parse_decimal("0"), 0u);
  EXPECT_EQ(parse_decimal("18446744073709551615"), UINT64_MAX);
  EXPECT_FALSE(parse_decimal("18446744073709551616"));
  EXPECT_FALSE(parse_decimal(""));
  EXPECT_FALSE(parse_decimal("+1"));
  EXPECT_FALSE(parse_decimal("1 "));

  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), at(784111777));
  EXPECT_FALSE(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"));
  EXPECT_FALSE(parse_http_date("Sun, 31 Nov 1994 08:49:37 GMT"));
  EXPECT_EQ(parse_iso8601("1994-11-06T08:49:37.5Z"), at(784111777) + std::chrono::milliseconds(500));
  EXPECT_FALSE(parse_iso8601("1994-11-06T08:49:37"));
  EXPECT_FALSE(parse_iso8601("1994-11-06T24:00:00Z"));
  EXPECT_FALSE(parse_iso8601("1994-11-06T08:49:37.Z"));
  // Found by fuzz_s3_reply: a date past 2262 overflowed system_clock's nanoseconds.
  EXPECT_FALSE(parse_iso8601("4018-11-06T08:49:37Z"));
  EXPECT_FALSE(parse_http_date("Sun, 06 Nov 9994 08:49:37 GMT"));
  EXPECT_TRUE(parse_iso8601("2200-12-31T23:59:59Z"));

  const auto range = parse_content_range("bytes 0-9/443");
  ASSERT_TRUE(range);
  EXPECT_EQ(range->first, 0u);
  EXPECT_EQ(range->last, 9u);
  EXPECT_EQ(range->total, 443u);
  EXPECT_FALSE(parse_content_range("bytes 9-0/443"));
  EXPECT_FALSE(parse_content_range("bytes 0-443/443"));
  EXPECT_FALSE(parse_content_range("bytes */443"));
  EXPECT_FALSE(parse_content_range("items 0-9/443"));
}

}  // namespace
}  // namespace talkline::blob::s3
