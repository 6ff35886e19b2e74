#include "conformance/blob_conformance.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <map>
#include <set>
#include <string_view>
#include <thread>
#include <tuple>
#include <vector>

#include "blob/blob_key.hpp"
#include "util/crypto.hpp"

namespace talkline::conformance {

using blob::BlobInfo;
using blob::Clock;
using blob::kToEnd;

void PrintTo(const BlobStoreFactory& factory, std::ostream* out) { *out << factory.name; }

std::string blob_factory_name(const testing::TestParamInfo<BlobStoreFactory>& info) {
  std::string name;
  for (char c : info.param.name) name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return name.empty() ? "store" + std::to_string(info.index) : name;
}

void BlobConformance::SetUp() {
  try {
    store_ = GetParam().make();
  } catch (const BackendMissing& missing) {
    GTEST_SKIP() << GetParam().name << ": " << missing.what();
  }
  ASSERT_NE(store_, nullptr);
}

namespace {

// Sizes that cross the boundaries the backends have: the filesystem store and the S3
// client hand reads over 256 KiB at a time; the S3 factories use 64 KiB parts.
constexpr std::size_t kMultiChunk = 700 * 1024 + 3;
constexpr std::size_t kLarge = 1024 * 1024 + 12'345;
// Appends of an odd size, so no part or chunk boundary lines up with one.
constexpr std::size_t kAppendSize = 10'007;
constexpr std::string_view kEmptySha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

template <typename T>
std::string outcome(const Result<T>& result) {
  if (result.ok()) return "ok";
  return std::string(error_code_name(result.error().code)) + " (" + result.error().message + ")";
}

template <typename T>
std::string code_of(const Result<T>& result) {
  return result.ok() ? "ok" : std::string(error_code_name(result.error().code));
}

// Bytes that differ from one seed and position to the next, so a mixed or shifted
// read never equals what was written.
std::string content(std::size_t size, std::uint32_t seed) {
  std::string out(size, '\0');
  std::uint32_t state = seed * 2654435761u + 1;
  for (auto& c : out) {
    state = state * 1664525u + 1013904223u;
    c = static_cast<char>(state >> 24);
  }
  return out;
}

Result<BlobInfo> write(blob::BlobStore& store, std::string_view key, std::string_view bytes,
                       std::size_t append_size = kAppendSize) {
  auto writer = store.open_writer(key);
  if (!writer) return writer.take_error();
  for (std::size_t at = 0; at < bytes.size(); at += append_size) {
    auto appended = (*writer)->append(bytes.substr(at, append_size));
    if (!appended) return appended.take_error();
  }
  return (*writer)->finish();
}

void must_write(blob::BlobStore& store, std::string_view key, std::string_view bytes) {
  const auto written = write(store, key, bytes);
  ASSERT_TRUE(written.ok()) << key << ": " << outcome(written);
}

struct ReadBack {
  Result<std::uint64_t> returned = std::uint64_t{0};
  std::string bytes;
  std::size_t chunks = 0;
  std::size_t largest_chunk = 0;
};

ReadBack read(blob::BlobStore& store, std::string_view key, std::uint64_t offset = 0, std::uint64_t length = kToEnd) {
  ReadBack out;
  out.returned = store.read(key, offset, length, [&](std::string_view chunk) {
    out.bytes.append(chunk);
    ++out.chunks;
    out.largest_chunk = std::max(out.largest_chunk, chunk.size());
    return true;
  });
  return out;
}

std::string read_all(blob::BlobStore& store, std::string_view key) {
  auto got = read(store, key);
  if (!got.returned) return "<" + outcome(got.returned) + ">";
  return got.bytes;
}

std::map<std::string, std::uint64_t> listing(blob::BlobStore& store, std::string_view prefix,
                                             int* duplicates = nullptr) {
  std::map<std::string, std::uint64_t> out;
  const auto listed = store.list(prefix, [&](const blob::BlobEntry& entry) {
    if (!out.emplace(entry.key, entry.stat.size).second && duplicates != nullptr) ++*duplicates;
    return true;
  });
  EXPECT_TRUE(listed.ok()) << outcome(listed);
  return out;
}

}  // namespace

// --- Writing and reading back ------------------------------------------------------------

TEST_P(BlobConformance, EmptyBlobRoundTrips) {
  const auto info = write(store(), "u/empty", "");
  ASSERT_TRUE(info.ok()) << outcome(info);
  EXPECT_EQ(info->size, 0u);
  EXPECT_EQ(info->sha256_hex, kEmptySha256);
  const auto got = read(store(), "u/empty");
  ASSERT_TRUE(got.returned.ok()) << outcome(got.returned);
  EXPECT_EQ(*got.returned, 0u);
  EXPECT_EQ(got.bytes, "");
  const auto stat = store().stat("u/empty");
  ASSERT_TRUE(stat.ok()) << outcome(stat);
  EXPECT_EQ(stat->size, 0u);
}

TEST_P(BlobConformance, SmallBlobRoundTripsWithItsSha256) {
  const auto info = write(store(), "u/abc", "abc");
  ASSERT_TRUE(info.ok()) << outcome(info);
  EXPECT_EQ(info->size, 3u);
  // FIPS 180-2's example: SHA-256("abc").
  EXPECT_EQ(info->sha256_hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(read_all(store(), "u/abc"), "abc");
}

TEST_P(BlobConformance, MultiChunkBlobRoundTripsInBoundedChunks) {
  const std::string bytes = content(kMultiChunk, 1);
  const auto info = write(store(), "u/multi", bytes);
  ASSERT_TRUE(info.ok()) << outcome(info);
  EXPECT_EQ(info->size, bytes.size());
  EXPECT_EQ(info->sha256_hex, util::sha256_hex(bytes));
  const auto got = read(store(), "u/multi");
  ASSERT_TRUE(got.returned.ok()) << outcome(got.returned);
  EXPECT_EQ(*got.returned, bytes.size());
  EXPECT_TRUE(got.bytes == bytes);
  // Streamed, never handed over whole.
  EXPECT_GT(got.chunks, 1u);
  EXPECT_LE(got.largest_chunk, 512u * 1024);
}

TEST_P(BlobConformance, BlobLargerThanOnePartRoundTripsFromOneAppendOrMany) {
  const std::string bytes = content(kLarge, 2);
  const auto many = write(store(), "u/large-many", bytes);
  ASSERT_TRUE(many.ok()) << outcome(many);
  const auto one = write(store(), "u/large-one", bytes, bytes.size());
  ASSERT_TRUE(one.ok()) << outcome(one);
  for (const auto* info : {&many, &one}) {
    EXPECT_EQ((*info)->size, bytes.size());
    EXPECT_EQ((*info)->sha256_hex, util::sha256_hex(bytes));
  }
  EXPECT_TRUE(read_all(store(), "u/large-many") == bytes);
  EXPECT_TRUE(read_all(store(), "u/large-one") == bytes);
}

TEST_P(BlobConformance, KeysAtTheLengthLimitAndWithOddSegmentsWork) {
  const std::vector<std::string> keys = {std::string(blob::kMaxKeyLength, 'k'), ".../.a/a..b/-_/A9", "x", "x/y"};
  for (const auto& key : keys) must_write(store(), key, "v:" + key);
  for (const auto& key : keys) {
    EXPECT_EQ(read_all(store(), key), "v:" + key);
  }
}

// --- Ranges ------------------------------------------------------------------------------

TEST_P(BlobConformance, RangeReadsOffsetAndLength) {
  const std::string bytes = content(300 * 1024, 3);
  must_write(store(), "u/range", bytes);
  auto got = read(store(), "u/range", 1000, 5000);
  ASSERT_TRUE(got.returned.ok()) << outcome(got.returned);
  EXPECT_EQ(*got.returned, 5000u);
  EXPECT_TRUE(got.bytes == bytes.substr(1000, 5000));
  // Across the 256 KiB read chunk.
  got = read(store(), "u/range", 250 * 1024, 20 * 1024);
  EXPECT_TRUE(got.bytes == bytes.substr(250 * 1024, 20 * 1024));
  got = read(store(), "u/range", 0, 1);
  EXPECT_EQ(got.bytes, bytes.substr(0, 1));
}

TEST_P(BlobConformance, RangeToTheEndOrPastItIsCutAtTheEnd) {
  const std::string bytes = content(10'000, 4);
  must_write(store(), "u/tail", bytes);
  auto got = read(store(), "u/tail", 100, kToEnd);
  ASSERT_TRUE(got.returned.ok()) << outcome(got.returned);
  EXPECT_EQ(*got.returned, bytes.size() - 100);
  EXPECT_TRUE(got.bytes == bytes.substr(100));
  got = read(store(), "u/tail", 9'990, 1'000'000);
  EXPECT_EQ(*got.returned, 10u);
  EXPECT_EQ(got.bytes, bytes.substr(9'990));
}

TEST_P(BlobConformance, RangeAtTheSizeOrOfLengthZeroReadsNothing) {
  must_write(store(), "u/ten", "0123456789");
  must_write(store(), "u/none", "");
  for (const auto& [key, offset, length] : {std::tuple<std::string, std::uint64_t, std::uint64_t>{"u/ten", 10, kToEnd},
                                            {"u/ten", 3, 0},
                                            {"u/none", 0, kToEnd}}) {
    const auto got = read(store(), key, offset, length);
    ASSERT_TRUE(got.returned.ok()) << key << " " << offset << ": " << outcome(got.returned);
    EXPECT_EQ(*got.returned, 0u);
    EXPECT_EQ(got.bytes, "");
  }
}

TEST_P(BlobConformance, OffsetPastTheEndIsInvalidArgument) {
  must_write(store(), "u/ten", "0123456789");
  must_write(store(), "u/none", "");
  EXPECT_EQ(code_of(read(store(), "u/ten", 11, kToEnd).returned), "invalid_argument");
  EXPECT_EQ(code_of(read(store(), "u/ten", kToEnd, 1).returned), "invalid_argument");
  EXPECT_EQ(code_of(read(store(), "u/none", 1, kToEnd).returned), "invalid_argument");
}

// --- Stat, missing keys, remove ----------------------------------------------------------

TEST_P(BlobConformance, StatSaysSizeAndWhenTheWriteFinished) {
  // Some backends keep whole seconds (S3's Last-Modified), hence the margins.
  const auto before = Clock::now() - std::chrono::seconds(2);
  must_write(store(), "u/stat", content(1234, 5));
  const auto after = Clock::now() + std::chrono::seconds(2);
  const auto stat = store().stat("u/stat");
  ASSERT_TRUE(stat.ok()) << outcome(stat);
  EXPECT_EQ(stat->size, 1234u);
  EXPECT_GE(stat->modified, before);
  EXPECT_LE(stat->modified, after);
}

TEST_P(BlobConformance, MissingKeyIsNotFound) {
  EXPECT_EQ(code_of(store().stat("u/missing")), "not_found");
  EXPECT_EQ(code_of(read(store(), "u/missing").returned), "not_found");
  EXPECT_EQ(code_of(read(store(), "u/missing", 5, 5).returned), "not_found");
}

TEST_P(BlobConformance, RemoveDeletesAndIsIdempotent) {
  must_write(store(), "u/gone", "bytes");
  must_write(store(), "u/kept", "other");
  EXPECT_EQ(outcome(store().remove("u/gone")), "ok");
  EXPECT_EQ(code_of(store().stat("u/gone")), "not_found");
  EXPECT_EQ(code_of(read(store(), "u/gone").returned), "not_found");
  EXPECT_EQ(outcome(store().remove("u/gone")), "ok");
  EXPECT_EQ(outcome(store().remove("u/never-was")), "ok");
  EXPECT_EQ(read_all(store(), "u/kept"), "other");
  // The key can be written again.
  must_write(store(), "u/gone", "again");
  EXPECT_EQ(read_all(store(), "u/gone"), "again");
}

// --- Writers -----------------------------------------------------------------------------

TEST_P(BlobConformance, NothingIsVisibleBeforeFinish) {
  const std::string bytes = content(kLarge, 6);
  auto writer = store().open_writer("u/pending");
  ASSERT_TRUE(writer.ok()) << outcome(writer);
  for (std::size_t at = 0; at < bytes.size(); at += kAppendSize) {
    ASSERT_TRUE((*writer)->append(std::string_view(bytes).substr(at, kAppendSize)).ok());
  }
  // Parts may have been sent: still nothing under the key.
  EXPECT_EQ(code_of(store().stat("u/pending")), "not_found");
  EXPECT_EQ(code_of(read(store(), "u/pending").returned), "not_found");
  EXPECT_TRUE(listing(store(), "").empty());

  const auto info = (*writer)->finish();
  ASSERT_TRUE(info.ok()) << outcome(info);
  EXPECT_EQ(info->sha256_hex, util::sha256_hex(bytes));
  EXPECT_TRUE(read_all(store(), "u/pending") == bytes);
}

TEST_P(BlobConformance, AbortOrDestroyingAnUnfinishedWriterLeavesNothing) {
  {
    auto writer = store().open_writer("u/aborted");
    ASSERT_TRUE(writer.ok()) << outcome(writer);
    ASSERT_TRUE((*writer)->append(content(kLarge, 7)).ok());
    (*writer)->abort();
    (*writer)->abort();  // twice is harmless
  }
  {
    auto writer = store().open_writer("u/dropped");
    ASSERT_TRUE(writer.ok()) << outcome(writer);
    ASSERT_TRUE((*writer)->append(content(kMultiChunk, 8)).ok());
  }  // destroyed unfinished
  EXPECT_EQ(code_of(store().stat("u/aborted")), "not_found");
  EXPECT_EQ(code_of(store().stat("u/dropped")), "not_found");
  EXPECT_TRUE(listing(store(), "").empty());
  // And nothing was left for the sweep of abandoned writes either.
  const auto swept = store().remove_abandoned_writes(Clock::now() + std::chrono::hours(1));
  ASSERT_TRUE(swept.ok()) << outcome(swept);
  EXPECT_EQ(*swept, 0u);
}

TEST_P(BlobConformance, AbortedReplacementKeepsTheOldBlob) {
  must_write(store(), "u/keep", "old content");
  auto writer = store().open_writer("u/keep");
  ASSERT_TRUE(writer.ok()) << outcome(writer);
  ASSERT_TRUE((*writer)->append(content(kLarge, 9)).ok());
  (*writer)->abort();
  EXPECT_EQ(read_all(store(), "u/keep"), "old content");
}

TEST_P(BlobConformance, ReplaceLeavesTheWholeNewBlob) {
  const std::string large = content(kLarge, 10);
  const std::string small = content(777, 11);
  must_write(store(), "u/swap", large);
  must_write(store(), "u/swap", small);  // shorter: no tail of the old may remain
  EXPECT_TRUE(read_all(store(), "u/swap") == small);
  EXPECT_EQ(store().stat("u/swap")->size, small.size());
  must_write(store(), "u/swap", large);
  EXPECT_TRUE(read_all(store(), "u/swap") == large);
  EXPECT_EQ(listing(store(), "u/").size(), 1u);
}

TEST_P(BlobConformance, WriterInProgressDoesNotDisturbTheBlobItReplaces) {
  const std::string first = content(kMultiChunk, 12);
  const std::string second = content(kLarge, 13);
  must_write(store(), "u/busy", first);
  auto writer = store().open_writer("u/busy");
  ASSERT_TRUE(writer.ok()) << outcome(writer);
  ASSERT_TRUE((*writer)->append(std::string_view(second).substr(0, second.size() / 2)).ok());
  EXPECT_TRUE(read_all(store(), "u/busy") == first);
  ASSERT_TRUE((*writer)->append(std::string_view(second).substr(second.size() / 2)).ok());
  EXPECT_TRUE(read_all(store(), "u/busy") == first);
  ASSERT_TRUE((*writer)->finish().ok());
  EXPECT_TRUE(read_all(store(), "u/busy") == second);
}

TEST_P(BlobConformance, ReadDuringAReplacementSeesTheWholeOldOrTheWholeNew) {
  if (!GetParam().atomic_replace) GTEST_SKIP() << GetParam().name << " writes objects in place";
  const std::string old_bytes = content(kLarge, 14);
  const std::string new_bytes = content(kMultiChunk, 15);
  must_write(store(), "u/race", old_bytes);
  std::string got;
  bool replaced = false;
  const auto read = store().read("u/race", 0, kToEnd, [&](std::string_view chunk) {
    got.append(chunk);
    if (!replaced) {
      // The replacement finishes while the read is under way.
      replaced = true;
      EXPECT_TRUE(write(store(), "u/race", new_bytes).ok());
    }
    return true;
  });
  ASSERT_TRUE(replaced);
  if (read.ok()) {
    EXPECT_TRUE(got == old_bytes || got == new_bytes) << "read " << got.size() << " bytes of a mix";
  }
  EXPECT_TRUE(read_all(store(), "u/race") == new_bytes);
}

TEST_P(BlobConformance, ConcurrentWritersOfOneKeyLeaveOneWholeBlob) {
  constexpr int kWriters = 4;
  std::vector<std::string> versions;
  for (int i = 0; i < kWriters; ++i) versions.push_back(content(200 * 1024 + 1000 * i, 20 + i));
  std::vector<std::string> failures(kWriters);
  std::vector<std::thread> threads;
  for (int i = 0; i < kWriters; ++i) {
    threads.emplace_back([&, i] {
      const auto written = write(store(), "u/contended", versions[i]);
      if (!written) failures[i] = outcome(written);
    });
  }
  for (auto& thread : threads) thread.join();
  for (int i = 0; i < kWriters; ++i) EXPECT_EQ(failures[i], "") << "writer " << i;

  const auto stat = store().stat("u/contended");
  ASSERT_TRUE(stat.ok()) << outcome(stat);
  if (!GetParam().atomic_replace) return;
  const std::string got = read_all(store(), "u/contended");
  EXPECT_TRUE(std::find(versions.begin(), versions.end(), got) != versions.end())
      << "the key holds " << got.size() << " bytes that are no writer's whole content";
  EXPECT_EQ(stat->size, got.size());
}

TEST_P(BlobConformance, ConcurrentWritersOfDistinctKeysEachStoreTheirOwn) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 3;
  std::vector<std::string> failures(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const auto key = "c/" + std::to_string(t) + "/" + std::to_string(i);
        const auto bytes = content(70 * 1024 + 100 * i, 100 + t * 10 + i);
        const auto written = write(store(), key, bytes);
        if (!written) failures[t] += key + ": " + outcome(written) + "; ";
        if (read_all(store(), key) != bytes) failures[t] += key + ": read back differs; ";
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(failures[t], "") << "thread " << t;
  EXPECT_EQ(listing(store(), "c/").size(), static_cast<std::size_t>(kThreads * kPerThread));
}

// --- Reading stops when the sink says so ---------------------------------------------------

TEST_P(BlobConformance, SinkReturningFalseStopsTheRead) {
  const std::string bytes = content(kLarge, 30);
  must_write(store(), "u/stop", bytes);
  std::size_t calls = 0;
  std::string got;
  const auto read = store().read("u/stop", 0, kToEnd, [&](std::string_view chunk) {
    ++calls;
    got.append(chunk);
    return false;
  });
  ASSERT_TRUE(read.ok()) << outcome(read);
  EXPECT_EQ(calls, 1u);
  EXPECT_EQ(*read, got.size());
  EXPECT_LT(got.size(), bytes.size());
  EXPECT_TRUE(got == bytes.substr(0, got.size()));
  // The store is fine afterwards (a connection cut mid-body is not reused).
  EXPECT_TRUE(read_all(store(), "u/stop") == bytes);
}

// --- Listing -----------------------------------------------------------------------------

TEST_P(BlobConformance, ListVisitsEachKeyUnderThePrefixOnce) {
  const std::vector<std::string> keys = {"a/1", "a/2", "a/sub/3", "ab/4", "b/5", "a"};
  for (const auto& key : keys) must_write(store(), key, "v-" + key);
  // Enough keys to span several pages of a paged listing.
  for (int i = 0; i < 23; ++i) must_write(store(), "many/" + std::to_string(i), std::string(i, 'x'));

  int duplicates = 0;
  auto under_a = listing(store(), "a/", &duplicates);
  EXPECT_EQ(under_a, (std::map<std::string, std::uint64_t>{{"a/1", 5}, {"a/2", 5}, {"a/sub/3", 9}}));
  auto starting_a = listing(store(), "a", &duplicates);
  EXPECT_EQ(starting_a.size(), 5u);  // a, a/1, a/2, a/sub/3, ab/4
  EXPECT_TRUE(starting_a.contains("ab/4") && starting_a.contains("a"));
  auto many = listing(store(), "many/", &duplicates);
  EXPECT_EQ(many.size(), 23u);
  for (int i = 0; i < 23; ++i) EXPECT_EQ(many["many/" + std::to_string(i)], static_cast<std::uint64_t>(i));
  EXPECT_EQ(listing(store(), "", &duplicates).size(), keys.size() + 23);
  EXPECT_TRUE(listing(store(), "zzz").empty());
  EXPECT_TRUE(listing(store(), "a/sub/3/").empty());
  EXPECT_EQ(duplicates, 0);
}

TEST_P(BlobConformance, ListStopsWhenTheVisitorSaysSo) {
  for (int i = 0; i < 12; ++i) must_write(store(), "s/" + std::to_string(i), "v");
  int visits = 0;
  const auto listed = store().list("s/", [&](const blob::BlobEntry&) { return ++visits < 3; });
  ASSERT_TRUE(listed.ok()) << outcome(listed);
  EXPECT_EQ(visits, 3);
}

TEST_P(BlobConformance, ListReportsSizeAndTime) {
  const auto before = Clock::now() - std::chrono::seconds(2);
  must_write(store(), "t/one", content(4321, 31));
  std::vector<blob::BlobEntry> entries;
  ASSERT_TRUE(store()
                  .list("t/",
                        [&](const blob::BlobEntry& entry) {
                          entries.push_back(entry);
                          return true;
                        })
                  .ok());
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].key, "t/one");
  EXPECT_EQ(entries[0].stat.size, 4321u);
  EXPECT_GE(entries[0].stat.modified, before);
  EXPECT_LE(entries[0].stat.modified, Clock::now() + std::chrono::seconds(2));
}

// --- Keys that could escape or confuse the store ------------------------------------------

TEST_P(BlobConformance, BadKeysAreRefusedBeforeAnyIo) {
  const std::vector<std::string> bad = {"",
                                        "/abs",
                                        "/",
                                        "trailing/",
                                        "a//b",
                                        "..",
                                        ".",
                                        "../x",
                                        "a/../b",
                                        "a/./b",
                                        "a/..",
                                        "a b",
                                        "a\\b",
                                        "a~b",
                                        "a%2e",
                                        "a?b",
                                        "a#b",
                                        "a:b",
                                        "caf\xc3\xa9",
                                        std::string("a\0b", 3),
                                        "a\nb",
                                        std::string(blob::kMaxKeyLength + 1, 'k')};
  for (const auto& key : bad) {
    SCOPED_TRACE("key \"" + key + "\"");
    EXPECT_EQ(code_of(store().open_writer(key)), "invalid_argument");
    EXPECT_EQ(code_of(read(store(), key).returned), "invalid_argument");
    EXPECT_EQ(code_of(store().stat(key)), "invalid_argument");
    EXPECT_EQ(code_of(store().remove(key)), "invalid_argument");
  }
  for (const auto& prefix : std::vector<std::string>{"a b", "../\n", "x~", std::string(blob::kMaxKeyLength + 1, 'p')}) {
    EXPECT_EQ(code_of(store().list(prefix, [](const blob::BlobEntry&) { return true; })), "invalid_argument") << prefix;
  }
  EXPECT_TRUE(listing(store(), "").empty());
}

// --- Writes that never finished ------------------------------------------------------------

TEST_P(BlobConformance, RemoveAbandonedWritesSparesWritesStartedAfterTheCutoff) {
  auto writer = store().open_writer("u/live");
  ASSERT_TRUE(writer.ok()) << outcome(writer);
  ASSERT_TRUE((*writer)->append(content(kMultiChunk, 40)).ok());
  const auto swept = store().remove_abandoned_writes(Clock::now() - std::chrono::hours(1));
  ASSERT_TRUE(swept.ok()) << outcome(swept);
  EXPECT_EQ(*swept, 0u);
  ASSERT_TRUE((*writer)->append("more").ok());
  const auto info = (*writer)->finish();
  ASSERT_TRUE(info.ok()) << outcome(info);
  EXPECT_EQ(info->size, kMultiChunk + 4);
  EXPECT_EQ(store().stat("u/live")->size, kMultiChunk + 4);
}

TEST_P(BlobConformance, RemoveAbandonedWritesRemovesWhatAnOldWriterLeft) {
  must_write(store(), "u/finished", "stays");
  // A writer whose process "died": never finished, never aborted, older than the cutoff.
  auto writer = store().open_writer("u/abandoned");
  ASSERT_TRUE(writer.ok()) << outcome(writer);
  ASSERT_TRUE((*writer)->append(content(kMultiChunk, 41)).ok());
  const auto swept = store().remove_abandoned_writes(Clock::now() + std::chrono::hours(1));
  ASSERT_TRUE(swept.ok()) << outcome(swept);
  EXPECT_EQ(*swept, GetParam().sweeps_abandoned_writes ? 1u : 0u);
  if (GetParam().sweeps_abandoned_writes) {
    // Its leftovers are gone, so it can no longer store anything.
    EXPECT_FALSE((*writer)->finish().ok());
    EXPECT_EQ(code_of(store().stat("u/abandoned")), "not_found");
  }
  EXPECT_EQ(read_all(store(), "u/finished"), "stays");
}

}  // namespace talkline::conformance
