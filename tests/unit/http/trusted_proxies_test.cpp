#include "transport/http/trusted_proxies.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "util/ip_address.hpp"

namespace talkline::transport::http {
namespace {

util::IpAddress ip(std::string_view text) {
  auto parsed = util::parse_ip_address(text);
  EXPECT_TRUE(parsed.has_value()) << text;
  return parsed.value_or(util::IpAddress{});
}

TrustedProxies trusting(const std::vector<std::string>& entries) {
  auto proxies = TrustedProxies::parse(entries);
  EXPECT_TRUE(proxies.ok()) << (proxies.ok() ? "" : proxies.error().message);
  return proxies.ok() ? std::move(proxies).value() : TrustedProxies{};
}

Headers forwarded_for(std::initializer_list<std::string> values) {
  Headers headers;
  for (const auto& value : values) headers.add("X-Forwarded-For", value);
  return headers;
}

// ---- addresses and blocks ------------------------------------------------------------

TEST(IpAddress, ReadsBothFamiliesAndWritesThemBackCanonically) {
  EXPECT_EQ(ip("192.0.2.7").to_string(), "192.0.2.7");
  EXPECT_TRUE(ip("192.0.2.7").is_v4());
  EXPECT_EQ(ip("2001:DB8:0:0::1").to_string(), "2001:db8::1");
  EXPECT_FALSE(ip("2001:db8::1").is_v4());
  // A dual-stack socket's view of an IPv4 client is the same address.
  EXPECT_EQ(ip("::ffff:192.0.2.7"), ip("192.0.2.7"));
  EXPECT_EQ(ip("::ffff:192.0.2.7").to_string(), "192.0.2.7");
}

TEST(IpAddress, RefusesWhatIsNotAnAddress) {
  for (const char* text : {"", "unknown", "192.0.2", "192.0.2.256", "192.0.2.7 ", " 192.0.2.7", "[::1]", "192.0.2.7:80",
                           "fe80::1%eth0", "2001:db8::1::2", "localhost"}) {
    EXPECT_FALSE(util::parse_ip_address(text).has_value()) << "'" << text << "'";
  }
}

TEST(IpNetwork, MatchesAddressesInsideItsPrefix) {
  const auto ten = util::parse_ip_network("10.0.0.0/8");
  ASSERT_TRUE(ten);
  EXPECT_TRUE(ten->contains(ip("10.255.1.2")));
  EXPECT_FALSE(ten->contains(ip("11.0.0.1")));
  EXPECT_TRUE(ten->contains(ip("::ffff:10.1.1.1")));

  const auto odd = util::parse_ip_network("172.16.0.0/12");
  ASSERT_TRUE(odd);
  EXPECT_TRUE(odd->contains(ip("172.31.255.255")));
  EXPECT_FALSE(odd->contains(ip("172.32.0.0")));

  const auto single = util::parse_ip_network("192.0.2.7");
  ASSERT_TRUE(single);
  EXPECT_TRUE(single->contains(ip("192.0.2.7")));
  EXPECT_FALSE(single->contains(ip("192.0.2.8")));

  const auto v6 = util::parse_ip_network("fd00::/8");
  ASSERT_TRUE(v6);
  EXPECT_TRUE(v6->contains(ip("fd12:3456::1")));
  EXPECT_FALSE(v6->contains(ip("fe80::1")));
  EXPECT_FALSE(v6->contains(ip("10.0.0.1")));

  const auto everything = util::parse_ip_network("0.0.0.0/0");
  ASSERT_TRUE(everything);
  EXPECT_TRUE(everything->contains(ip("203.0.113.9")));
  EXPECT_FALSE(everything->contains(ip("2001:db8::1")));  // IPv4's /0 is all of IPv4 only
}

TEST(IpNetwork, IgnoresHostBitsAfterThePrefix) {
  const auto network = util::parse_ip_network("10.1.2.3/8");
  ASSERT_TRUE(network);
  EXPECT_EQ(network->base.to_string(), "10.0.0.0");
  EXPECT_TRUE(network->contains(ip("10.9.9.9")));
}

TEST(IpNetwork, RefusesBadPrefixes) {
  for (const char* text :
       {"10.0.0.0/33", "10.0.0.0/-1", "10.0.0.0/", "10.0.0.0/8/8", "fd00::/129", "10.0.0.0/x", "/8", "10.0.0.0 /8"}) {
    EXPECT_FALSE(util::parse_ip_network(text).has_value()) << "'" << text << "'";
  }
}

// ---- the list ------------------------------------------------------------------------

TEST(TrustedProxies, ParsesAListAndNamesTheSettingInErrors) {
  auto proxies = TrustedProxies::parse({"10.0.0.0/8", "192.0.2.7", "fd00::/8"});
  ASSERT_TRUE(proxies.ok());
  EXPECT_TRUE(proxies->trusts(ip("10.1.2.3")));
  EXPECT_TRUE(proxies->trusts(ip("192.0.2.7")));
  EXPECT_TRUE(proxies->trusts(ip("fd00::5")));
  EXPECT_FALSE(proxies->trusts(ip("192.0.2.8")));

  auto bad = TrustedProxies::parse({"10.0.0.0/8", "nginx"});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("nginx"), std::string::npos);
  EXPECT_EQ(bad.error().fields.at(0).field, "TALKLINE_TRUSTED_PROXIES");
}

TEST(ForwardedEntry, TakesPortsAndBracketsOff) {
  EXPECT_EQ(parse_forwarded_entry(" 203.0.113.9 ")->to_string(), "203.0.113.9");
  EXPECT_EQ(parse_forwarded_entry("203.0.113.9:5123")->to_string(), "203.0.113.9");
  EXPECT_EQ(parse_forwarded_entry("[2001:db8::1]:443")->to_string(), "2001:db8::1");
  EXPECT_EQ(parse_forwarded_entry("[2001:db8::1]")->to_string(), "2001:db8::1");
  EXPECT_EQ(parse_forwarded_entry("2001:db8::1")->to_string(), "2001:db8::1");
  for (const char* text :
       {"", "unknown", "203.0.113.9:", "203.0.113.9:http", "[2001:db8::1", "[2001:db8::1]x", "_hidden"}) {
    EXPECT_FALSE(parse_forwarded_entry(text).has_value()) << "'" << text << "'";
  }
}

// ---- choosing the client ---------------------------------------------------------------

TEST(TrustedProxies, TrustingNobodyTheClientIsThePeer) {
  const TrustedProxies nobody;
  EXPECT_EQ(nobody.client_address("10.0.0.2", forwarded_for({"203.0.113.9"})), "10.0.0.2");
}

TEST(TrustedProxies, AnUntrustedPeerCannotNameAnotherClient) {
  const auto proxies = trusting({"10.0.0.2"});
  EXPECT_EQ(proxies.client_address("198.51.100.4", forwarded_for({"203.0.113.9"})), "198.51.100.4");
}

TEST(TrustedProxies, BehindOneProxyTheClientIsWhatItAppended) {
  const auto proxies = trusting({"10.0.0.2"});
  EXPECT_EQ(proxies.client_address("10.0.0.2", forwarded_for({"203.0.113.9"})), "203.0.113.9");
}

TEST(TrustedProxies, WhatTheClientWroteItselfIsIgnored) {
  // The client sent "X-Forwarded-For: 1.2.3.4"; nginx appended the address it saw.
  const auto proxies = trusting({"10.0.0.2"});
  EXPECT_EQ(proxies.client_address("10.0.0.2", forwarded_for({"1.2.3.4, 203.0.113.9"})), "203.0.113.9");
  EXPECT_EQ(proxies.client_address("10.0.0.2", forwarded_for({"1.2.3.4", "203.0.113.9"})), "203.0.113.9");
}

TEST(TrustedProxies, SkipsEveryTrustedHopFromTheRight) {
  // client -> CDN edge (192.0.2.50) -> internal proxy (10.0.0.3) -> nginx (10.0.0.2) -> us
  const auto proxies = trusting({"10.0.0.0/8", "192.0.2.0/24"});
  const auto headers = forwarded_for({"6.6.6.6, 203.0.113.9, 192.0.2.50", "10.0.0.3"});
  EXPECT_EQ(proxies.client_address("10.0.0.2", headers), "203.0.113.9");
}

TEST(TrustedProxies, WhenEveryHopIsTrustedTheLeftMostIsTheClient) {
  const auto proxies = trusting({"10.0.0.0/8"});
  EXPECT_EQ(proxies.client_address("10.0.0.2", forwarded_for({"10.0.0.9, 10.0.0.3"})), "10.0.0.9");
}

TEST(TrustedProxies, WithoutTheHeaderTheClientIsThePeer) {
  const auto proxies = trusting({"10.0.0.2"});
  EXPECT_EQ(proxies.client_address("10.0.0.2", Headers{}), "10.0.0.2");
}

TEST(TrustedProxies, AnUnreadableEntryStopsTheWalkAtTheNearestReadableHop) {
  const auto proxies = trusting({"10.0.0.0/8"});
  EXPECT_EQ(proxies.client_address("10.0.0.2", forwarded_for({"203.0.113.9, garbage, 10.0.0.3"})), "10.0.0.3");
  EXPECT_EQ(proxies.client_address("10.0.0.2", forwarded_for({"203.0.113.9,"})), "10.0.0.2");
}

TEST(TrustedProxies, ReadsPortsAndIpv6AndAnswersInCanonicalForm) {
  const auto proxies = trusting({"fd00::/8", "10.0.0.2"});
  EXPECT_EQ(proxies.client_address("fd00::2", forwarded_for({"[2001:DB8::1]:443"})), "2001:db8::1");
  EXPECT_EQ(proxies.client_address("10.0.0.2", forwarded_for({"203.0.113.9:5123"})), "203.0.113.9");
  EXPECT_EQ(proxies.client_address("10.0.0.2", forwarded_for({"::ffff:203.0.113.9"})), "203.0.113.9");
}

TEST(TrustedProxies, HeaderNamesAreCaseInsensitive) {
  const auto proxies = trusting({"10.0.0.2"});
  Headers headers;
  headers.add("x-forwarded-for", "203.0.113.9");
  EXPECT_EQ(proxies.client_address("10.0.0.2", headers), "203.0.113.9");
}

}  // namespace
}  // namespace talkline::transport::http
