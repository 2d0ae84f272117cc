// Tests of cwmp::udp_cr: the TR-069 Annex G UDP Connection Request (build, parse, verify, replay).
#include "cwmp/udp_connection_request.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>

namespace cwmp::udp_cr {
namespace {

constexpr std::int64_t kNow = 1'700'000'000;

BuildOptions request_options(std::uint32_t id = 1234567, std::int64_t ts = kNow) {
  BuildOptions o;
  o.host = "198.18.1.2";
  o.port = 50000;
  o.ts = static_cast<std::uint64_t>(ts);
  o.id = id;
  o.username = "cpe-user";
  o.password = "cpe-pass";
  o.cnonce = make_cnonce({0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef});
  return o;
}

VerifyOptions verify_options() {
  VerifyOptions v;
  v.username = "cpe-user";
  v.password = "cpe-pass";
  v.now = kNow;
  return v;
}

TEST(UdpCrSignature, IsHmacSha1OfTheConcatenationInLowerHex) {
  // RFC 2202 test case 2: HMAC-SHA1("Jefe", "what do ya want for nothing?"), split over the four
  // fields to show they are concatenated without separators.
  EXPECT_EQ(compute_signature("what do", " ya want", " for nothing", "?", "Jefe"),
            "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
}

TEST(UdpCrBuild, ExactWireFormat) {
  const auto o = request_options();
  const std::string sig =
      compute_signature("1700000000", "1234567", "cpe-user", "0123456789abcdef", "cpe-pass");
  EXPECT_EQ(build_request(o),
            "GET http://198.18.1.2:50000?ts=1700000000&id=1234567&un=cpe-user"
            "&cn=0123456789abcdef&sig=" +
                sig +
                " HTTP/1.1\r\n"
                "Host: 198.18.1.2:50000\r\n\r\n");
  EXPECT_EQ(sig.size(), 40u);
}

TEST(UdpCrBuild, Ipv6HostIsBracketed) {
  auto o = request_options();
  o.host = "2001:db8::2";
  const auto text = build_request(o);
  EXPECT_EQ(text.rfind("GET http://[2001:db8::2]:50000?ts=", 0), 0u);
  EXPECT_NE(text.find("\r\nHost: [2001:db8::2]:50000\r\n"), std::string::npos);
}

TEST(UdpCrVerify, GoodRequestVerifies) {
  ReplayGuard guard;
  const auto result = verify_request(build_request(request_options()), verify_options(), guard);
  EXPECT_EQ(result.verdict, Verdict::kOk) << result.message;
  ASSERT_TRUE(result.request);
  EXPECT_EQ(result.request->id, "1234567");
  EXPECT_EQ(result.request->ts_value, 1'700'000'000u);
  EXPECT_EQ(guard.size(), 1u);
}

TEST(UdpCrVerify, RetransmittedCopiesStartOneSession) {
  ReplayGuard guard;
  const auto datagram = build_request(request_options());
  int accepted = 0;
  for (int copy = 0; copy < kDefaultTransmissions; ++copy) {
    const auto result = verify_request(datagram, verify_options(), guard);
    if (result.ok()) ++accepted;
    if (copy > 0) {
      EXPECT_EQ(result.verdict, Verdict::kReplay);
    }
  }
  EXPECT_EQ(accepted, 1);
}

TEST(UdpCrVerify, TolerantParsing) {
  // Lower-case method, origin-form target, LF endings, extra headers, no Host, upper-case hex
  // in sig, an unknown parameter, and the parameters in another order.
  const auto o = request_options();
  std::string sig = compute_signature("1700000000", "1234567", "cpe-user", o.cnonce, o.password);
  for (auto& c : sig) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  const std::string text = "\nget /?sig=" + sig + "&cn=" + o.cnonce +
                           "&x=1&un=cpe-user&id=1234567&ts=1700000000 http/1.1\n"
                           "User-Agent: test\n\n";
  ReplayGuard guard;
  const auto result = verify_request(text, verify_options(), guard);
  EXPECT_EQ(result.verdict, Verdict::kOk) << result.message;
}

TEST(UdpCrVerify, PercentEncodedUsername) {
  auto o = request_options();
  o.username = "cpe user&x=1";
  const auto text = build_request(o);
  EXPECT_NE(text.find("un=cpe%20user%26x%3D1&"), std::string::npos);
  auto v = verify_options();
  v.username = "cpe user&x=1";
  ReplayGuard guard;
  EXPECT_EQ(verify_request(text, v, guard).verdict, Verdict::kOk);
}

TEST(UdpCrVerify, EachFailureKind) {
  const auto good = build_request(request_options());
  {
    ReplayGuard guard;
    auto v = verify_options();
    v.username = "someone-else";
    EXPECT_EQ(verify_request(good, v, guard).verdict, Verdict::kBadUsername);
    EXPECT_EQ(guard.size(), 0u);
  }
  {
    ReplayGuard guard;
    auto v = verify_options();
    v.password = "wrong";
    EXPECT_EQ(verify_request(good, v, guard).verdict, Verdict::kBadSignature);
    EXPECT_EQ(guard.size(), 0u);  // unauthenticated input never touches the guard
  }
  {
    // A changed field invalidates the signature.
    ReplayGuard guard;
    std::string tampered = good;
    tampered.replace(tampered.find("id=1234567"), 10, "id=1234568");
    EXPECT_EQ(verify_request(tampered, verify_options(), guard).verdict, Verdict::kBadSignature);
  }
  {
    ReplayGuard guard;
    auto v = verify_options();
    v.now = kNow + kDefaultWindowSeconds + 1;
    const auto result = verify_request(good, v, guard);
    EXPECT_EQ(result.verdict, Verdict::kStale);
    EXPECT_FALSE(result.message.empty());
    v.now = kNow - kDefaultWindowSeconds - 1;  // from the future
    EXPECT_EQ(verify_request(good, v, guard).verdict, Verdict::kStale);
    v.now = std::nullopt;  // an untrusted clock skips the absolute check
    EXPECT_EQ(verify_request(good, v, guard).verdict, Verdict::kOk);
  }
}

TEST(UdpCrVerify, MalformedInputs) {
  const auto o = request_options();
  const std::string sig = compute_signature("1700000000", "1", "cpe-user", "c", o.password);
  const std::string q = "?ts=1700000000&id=1&un=cpe-user&cn=c&sig=" + sig;
  const std::string cases[] = {
      "",
      "\r\n\r\n",
      "POST http://h:1" + q + " HTTP/1.1\r\n\r\n",                               // not GET
      "GET http://h:1" + q + "\r\n\r\n",                                         // no version
      "GET http://h:1" + q + " FTP/1.0\r\n\r\n",                                 // not HTTP
      "GET http://h:1 HTTP/1.1\r\n\r\n",                                         // no query
      "GET http://h:1?ts=1700000000&id=1&un=cpe-user&cn=c HTTP/1.1\r\n",         // no sig
      "GET http://h:1?ts=1700000000&id=1&un=cpe-user&sig=" + sig + " HTTP/1.1",  // no cn
      "GET http://h:1" + q + "&ts=1700000001 HTTP/1.1",                          // duplicate ts
      "GET http://h:1?ts=17000x0000&id=1&un=cpe-user&cn=c&sig=" + sig + " HTTP/1.1",
      "GET http://h:1?ts=1700000000&id=1&un=cpe-user&cn=c&sig=abc HTTP/1.1",       // short sig
      "GET http://h:1?ts=1700000000&id=1&un=cpe%2&cn=c&sig=" + sig + " HTTP/1.1",  // bad %
      "GET http://h:1?ts=99999999999999999999&id=1&un=cpe-user&cn=c&sig=" + sig + " HTTP/1.1",
      "GET http://h:1" + q + " HTTP/1.1 extra\r\n",
      std::string(kMaxDatagramSize + 1, 'G'),
  };
  for (const auto& text : cases) {
    ReplayGuard guard;
    const auto result = verify_request(text, verify_options(), guard);
    EXPECT_EQ(result.verdict, Verdict::kMalformed) << text;
    EXPECT_FALSE(result.message.empty());
  }
  // The well-formed base case passes, so the cases above fail for their own reason.
  ReplayGuard guard;
  EXPECT_EQ(
      verify_request("GET http://h:1" + q + " HTTP/1.1\r\n\r\n", verify_options(), guard).verdict,
      Verdict::kOk);
}

TEST(UdpCrVerify, GarbageNeverCrashes) {
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> byte(0, 255);
  const std::string good = build_request(request_options());
  ReplayGuard guard;
  // Every prefix that lacks part of the request line is refused (a longer one still holds the
  // whole request line and may pass, the headers being optional).
  const std::size_t line_end = good.find(" HTTP/1.1") + 6;
  for (std::size_t n = 0; n < good.size(); ++n) {
    const auto result = verify_request(good.substr(0, n), verify_options(), guard);
    if (n < line_end) {
      EXPECT_NE(result.verdict, Verdict::kOk) << n;
    }
  }
  for (int round = 0; round < 2000; ++round) {
    std::string text = good;
    for (int k = 0; k < 4; ++k) {
      text[static_cast<std::size_t>(rng()) % text.size()] = static_cast<char>(byte(rng));
    }
    (void)verify_request(text, verify_options(), guard);
  }
}

TEST(UdpCrReplay, OlderThanNewestMinusWindowIsStale) {
  ReplayGuard guard(64, 300);
  auto v = verify_options();
  v.now = std::nullopt;  // relative rules only
  EXPECT_TRUE(verify_request(build_request(request_options(1, kNow)), v, guard).ok());
  // Slightly older than the newest, within the window: accepted (requests may cross).
  EXPECT_TRUE(verify_request(build_request(request_options(2, kNow - 100)), v, guard).ok());
  // Older than newest - window: stale.
  EXPECT_EQ(verify_request(build_request(request_options(3, kNow - 301)), v, guard).verdict,
            Verdict::kStale);
  // A replay of an accepted one, even with a newer clock: replay.
  v.now = kNow + 10;
  EXPECT_EQ(verify_request(build_request(request_options(2, kNow - 100)), v, guard).verdict,
            Verdict::kReplay);
}

TEST(UdpCrReplay, GuardIsBoundedAndEvictionRaisesTheFloor) {
  ReplayGuard guard(4, 300);
  for (std::uint64_t i = 0; i < 10; ++i) {
    ASSERT_EQ(guard.check("id" + std::to_string(i), 1000 + i), ReplayGuard::Check::kFresh);
    guard.remember("id" + std::to_string(i), 1000 + i);
    EXPECT_LE(guard.size(), 4u);
  }
  EXPECT_EQ(guard.size(), 4u);
  // "id0" was evicted, but its ts (1000) is at or below the floor: a replay is still refused.
  EXPECT_EQ(guard.check("id0", 1000), ReplayGuard::Check::kStale);
  EXPECT_EQ(guard.check("id5", 1005), ReplayGuard::Check::kStale);  // evicted too (floor 1005)
  EXPECT_EQ(guard.check("id9", 1009), ReplayGuard::Check::kReplay);
  EXPECT_EQ(guard.check("new", 1010), ReplayGuard::Check::kFresh);
}

TEST(UdpCrReplay, OldEntriesArePrunedByTheWindow) {
  ReplayGuard guard(64, 300);
  guard.remember("a", 1000);
  guard.remember("b", 1100);
  guard.remember("c", 2000);  // a and b fall out of the window
  EXPECT_EQ(guard.size(), 1u);
  EXPECT_EQ(guard.check("a", 1000), ReplayGuard::Check::kStale);
  EXPECT_EQ(guard.newest(), 2000u);
}

TEST(UdpCrHostPort, ParsesUdpConnectionRequestAddress) {
  auto a = parse_host_port("198.18.1.2:50000");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->host, "198.18.1.2");
  EXPECT_EQ(a->port, 50000);
  auto b = parse_host_port("cpe.example");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->port, 80);  // host alone means port 80 (CWMP-FACTS §6.2 step 4)
  auto c = parse_host_port("[2001:db8::2]:7547");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->host, "2001:db8::2");
  EXPECT_EQ(c->port, 7547);
  EXPECT_TRUE(parse_host_port("[2001:db8::2]"));
  for (const char* bad :
       {"", ":80", "h:", "h:0", "h:65536", "h:8x", "2001:db8::2", "[]:1", "[::1]x", "[::1"}) {
    EXPECT_FALSE(parse_host_port(bad)) << bad;
  }
}

}  // namespace
}  // namespace cwmp::udp_cr
