#include "transport/http/content_sniffer.hpp"

#include <gtest/gtest.h>

#include <string>

namespace talkline::transport::http {
namespace {

std::string bytes(std::string_view text, std::size_t pad = 32) { return std::string(text) + std::string(pad, '\0'); }

TEST(ContentSniffer, RecognisesImages) {
  EXPECT_EQ(sniff_media_type(bytes(std::string_view("\x89PNG\r\n\x1a\n", 8))), "image/png");
  EXPECT_EQ(sniff_media_type(bytes("\xff\xd8\xff\xe0")), "image/jpeg");
  EXPECT_EQ(sniff_media_type(bytes("GIF89a")), "image/gif");
  EXPECT_EQ(sniff_media_type(bytes("GIF87a")), "image/gif");
  EXPECT_EQ(sniff_media_type(bytes(std::string_view("RIFF\x10\0\0\0WEBPVP8 ", 16))), "image/webp");
}

TEST(ContentSniffer, RecognisesDocumentsAndAudio) {
  EXPECT_EQ(sniff_media_type("%PDF-1.7\n"), "application/pdf");
  EXPECT_EQ(sniff_media_type(bytes(std::string_view("RIFF\x10\0\0\0WAVEfmt ", 16))), "audio/wav");
  EXPECT_EQ(sniff_media_type(bytes("ID3\x04")), "audio/mpeg");
  EXPECT_EQ(sniff_media_type(bytes("\xff\xfb\x90\x64")), "audio/mpeg");  // MPEG-1 layer III, 128 kbit/s, 44.1 kHz
  EXPECT_EQ(sniff_media_type(bytes(std::string_view("OggS\0\x02", 6))), "application/ogg");
}

TEST(ContentSniffer, RejectsFrameSyncThatIsNotLayerThree) {
  EXPECT_EQ(sniff_media_type(bytes("\xff\xf1\x50\x80")), "application/octet-stream");  // AAC ADTS
  EXPECT_EQ(sniff_media_type(bytes("\xff\xfb\xf0\x64")), "application/octet-stream");  // bad bitrate
}

TEST(ContentSniffer, RecognisesIsoMediaBrands) {
  EXPECT_EQ(sniff_media_type(bytes(std::string_view("\0\0\0\x18"
                                                    "ftypisom",
                                                    12))),
            "video/mp4");
  EXPECT_EQ(sniff_media_type(bytes(std::string_view("\0\0\0\x14"
                                                    "ftypqt  ",
                                                    12))),
            "video/quicktime");
  EXPECT_EQ(sniff_media_type(bytes(std::string_view("\0\0\0\x20"
                                                    "ftypM4A ",
                                                    12))),
            "audio/mp4");
  EXPECT_EQ(sniff_media_type(bytes(std::string_view("\0\0\0\x04"
                                                    "ftypisom",
                                                    12))),
            "application/octet-stream");
}

TEST(ContentSniffer, TellsWebmFromMatroska) {
  EXPECT_EQ(sniff_media_type(bytes("\x1a\x45\xdf\xa3\x9f\x42\x82\x84webm")), "video/webm");
  EXPECT_EQ(sniff_media_type(bytes("\x1a\x45\xdf\xa3\x9f\x42\x82\x88matroska")), "video/x-matroska");
}

TEST(ContentSniffer, Utf8WithoutBinaryBytesIsText) {
  EXPECT_EQ(sniff_media_type("hello, world\r\n\tgrüße 🎉"), "text/plain");
  EXPECT_EQ(sniff_media_type("<html><script>alert(1)</script>"), "text/plain");
}

TEST(ContentSniffer, BinaryBytesOrBadUtf8AreOctetStream) {
  EXPECT_EQ(sniff_media_type(std::string_view("ab\0c", 4)), "application/octet-stream");
  EXPECT_EQ(sniff_media_type("ab\x01"), "application/octet-stream");
  EXPECT_EQ(sniff_media_type("\xc0\xaf"), "application/octet-stream");          // overlong
  EXPECT_EQ(sniff_media_type("\xed\xa0\x80"), "application/octet-stream");      // surrogate
  EXPECT_EQ(sniff_media_type("\xf4\x90\x80\x80"), "application/octet-stream");  // past U+10FFFF
  EXPECT_EQ(sniff_media_type(""), "application/octet-stream");
}

TEST(ContentSniffer, CharacterCutAtTheSniffLimitIsStillText) {
  std::string head(kSniffBytes - 1, 'a');
  head.push_back('\xc3');  // first byte of 'ü'
  EXPECT_EQ(sniff_media_type(head), "text/plain");
  // The same cut at the end of a short file is broken UTF-8.
  EXPECT_EQ(sniff_media_type("abc\xc3"), "application/octet-stream");
}

TEST(ContentSniffer, LooksOnlyAtTheFirstBytes) {
  std::string text(kSniffBytes, 'a');
  text.push_back('\0');
  EXPECT_EQ(sniff_media_type(text), "text/plain");
}

TEST(ContentSniffer, DeclaredTypeMustMatchASniffedBinaryType) {
  EXPECT_TRUE(declared_matches_sniffed("image/png", "image/png"));
  EXPECT_TRUE(declared_matches_sniffed("IMAGE/JPG; q=1", "image/jpeg"));
  EXPECT_TRUE(declared_matches_sniffed("audio/mp3", "audio/mpeg"));
  EXPECT_TRUE(declared_matches_sniffed("audio/webm", "video/webm"));
  EXPECT_FALSE(declared_matches_sniffed("image/jpeg", "image/png"));
  EXPECT_FALSE(declared_matches_sniffed("application/zip", "image/png"));
  EXPECT_FALSE(declared_matches_sniffed("text/plain", "application/pdf"));
}

TEST(ContentSniffer, TextAcceptsTextualTypes) {
  EXPECT_TRUE(declared_matches_sniffed("text/plain; charset=utf-8", "text/plain"));
  EXPECT_TRUE(declared_matches_sniffed("text/csv", "text/plain"));
  EXPECT_TRUE(declared_matches_sniffed("application/json", "text/plain"));
  EXPECT_FALSE(declared_matches_sniffed("image/png", "text/plain"));
}

TEST(ContentSniffer, UnrecognisedBytesAcceptOnlyUncheckableTypes) {
  EXPECT_TRUE(declared_matches_sniffed("application/zip", "application/octet-stream"));
  EXPECT_TRUE(declared_matches_sniffed("application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                                       "application/octet-stream"));
  EXPECT_FALSE(declared_matches_sniffed("image/png", "application/octet-stream"));
  EXPECT_FALSE(declared_matches_sniffed("text/plain", "application/octet-stream"));
}

TEST(ContentSniffer, OctetStreamOrNothingDeclaredClaimsNothing) {
  EXPECT_TRUE(declared_matches_sniffed("application/octet-stream", "image/png"));
  EXPECT_TRUE(declared_matches_sniffed("", "text/plain"));
}

TEST(ContentSniffer, ActiveContentNeverMatches) {
  for (std::string_view declared : {"text/html", "Text/HTML; charset=utf-8", "image/svg+xml", "application/xml",
                                    "application/xhtml+xml", "text/javascript", "application/atom+xml"}) {
    EXPECT_FALSE(declared_matches_sniffed(declared, "text/plain")) << declared;
    EXPECT_FALSE(declared_matches_sniffed(declared, "application/octet-stream")) << declared;
  }
}

}  // namespace
}  // namespace talkline::transport::http
