// Tests of cwmp::stun: RFC 5769 vectors, round trips, XOR-MAPPED-ADDRESS, integrity, fingerprint,
// the TR-111 attributes, classic RFC 3489 messages, and hostile input.
#include "cwmp/stun.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <span>
#include <string>
#include <vector>

namespace cwmp::stun {
namespace {

std::vector<std::uint8_t> from_hex(std::string_view hex) {
  std::vector<std::uint8_t> out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<std::uint8_t>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

constexpr std::string_view kRfc5769Password = "VOkJxbRl1RmTxUk/WvJxBt";
const TransactionId kRfc5769Id{0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34,
                               0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae};

// RFC 5769 §2.1 Sample Request (SOFTWARE, PRIORITY, ICE-CONTROLLED, USERNAME padded with spaces,
// MESSAGE-INTEGRITY, FINGERPRINT).
const auto kSampleRequest = from_hex(
    "000100582112a442b7e7a701bc34d686fa87dfae"
    "802200105354554e207465737420636c69656e74"
    "002400046e0001ff"
    "80290008932ff9b151263b36"
    "000600096576746a3a68367659202020"
    "000800149aeaa70cbfd8cb56781ef2b5b2d3f249c1b571a2"
    "80280004e57a3bcf");

// RFC 5769 §2.2 Sample IPv4 Response: 192.0.2.1:32853.
const auto kSampleIPv4Response = from_hex(
    "0101003c2112a442b7e7a701bc34d686fa87dfae"
    "8022000b7465737420766563746f7220"
    "002000080001a147e112a643"
    "000800142b91f599fd9e90c38c7489f92af9ba53f06be7d7"
    "80280004c07d4c96");

TEST(StunRfc5769, SampleRequestDecodesAndVerifies) {
  auto m = decode(kSampleRequest);
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_TRUE(m->is_request());
  EXPECT_EQ(m->method(), 0x001);
  EXPECT_TRUE(m->is_rfc5389());
  EXPECT_EQ(m->transaction_id, kRfc5769Id);
  EXPECT_EQ(m->username, "evtj:h6vY");
  EXPECT_EQ(m->software, "STUN test client");
  EXPECT_TRUE(m->has_message_integrity);
  EXPECT_TRUE(m->has_fingerprint);
  // PRIORITY (0x0024) is ICE's, comprehension-required, and unknown to us.
  EXPECT_EQ(m->unknown_required, std::vector<std::uint16_t>{0x0024});
  EXPECT_EQ(verify_integrity(kSampleRequest, kRfc5769Password), IntegrityResult::kOk);
  EXPECT_EQ(verify_integrity(kSampleRequest, "wrong"), IntegrityResult::kMismatch);
}

TEST(StunRfc5769, SampleIPv4ResponseDecodesAndVerifies) {
  auto m = decode(kSampleIPv4Response);
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_TRUE(m->is_success_response());
  EXPECT_EQ(m->software, "test vector");
  ASSERT_TRUE(m->xor_mapped_address);
  EXPECT_EQ(*m->xor_mapped_address, Address::ipv4({192, 0, 2, 1}, 32853));
  EXPECT_EQ(m->reflexive_address()->to_string(), "192.0.2.1:32853");
  EXPECT_EQ(verify_integrity(kSampleIPv4Response, kRfc5769Password), IntegrityResult::kOk);
}

TEST(StunRfc5769, BuilderReproducesSampleRequestExactly) {
  // Same attributes as §2.1, with the RFC's space padding: every byte, including
  // MESSAGE-INTEGRITY and FINGERPRINT, must come out identical.
  MessageBuilder b(kBindingRequest, kMagicCookie, kRfc5769Id);
  b.padding(0x20);
  b.add(attr::kSoftware, std::string_view("STUN test client"));
  b.add(0x0024, std::span<const std::uint8_t>(from_hex("6e0001ff")));
  b.add(0x8029, std::span<const std::uint8_t>(from_hex("932ff9b151263b36")));
  b.add(attr::kUsername, std::string_view("evtj:h6vY"));
  b.add_message_integrity(kRfc5769Password).add_fingerprint();
  EXPECT_EQ(std::move(b).finish(), kSampleRequest);
}

TEST(StunRfc5769, BuilderReproducesSampleIPv4ResponseExactly) {
  MessageBuilder b(kBindingSuccessResponse, kMagicCookie, kRfc5769Id);
  b.padding(0x20);
  b.add(attr::kSoftware, std::string_view("test vector"));
  b.add_xor_mapped_address(Address::ipv4({192, 0, 2, 1}, 32853));
  b.add_message_integrity(kRfc5769Password).add_fingerprint();
  EXPECT_EQ(std::move(b).finish(), kSampleIPv4Response);
}

TEST(StunAddress, Formatting) {
  EXPECT_EQ(Address::ipv4({10, 0, 0, 1}, 7547).to_string(), "10.0.0.1:7547");
  std::array<std::uint8_t, 16> v6{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  EXPECT_EQ(Address::ipv6(v6, 3478).to_string(), "[2001:db8::1]:3478");
  std::array<std::uint8_t, 16> v6b{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1};
  EXPECT_EQ(Address::ipv6(v6b, 1).host(), "2001:db8:0:1::1");  // longest run compressed
  EXPECT_EQ(Address::ipv6({}, 1).host(), "::");
  std::array<std::uint8_t, 16> one_zero{0, 1, 0, 0, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7};
  EXPECT_EQ(Address::ipv6(one_zero, 1).host(), "1:0:2:3:4:5:6:7");  // a single 0 stays
}

Message binding_request(std::uint32_t cookie = kMagicCookie) {
  Message m;
  m.type = kBindingRequest;
  m.cookie = cookie;
  m.transaction_id = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
  return m;
}

TEST(StunXorMappedAddress, IPv4RoundTrip) {
  const auto source = Address::ipv4({198, 18, 0, 7}, 40000);
  auto bytes = build_binding_success(binding_request(), source);
  auto m = decode(bytes);
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_TRUE(m->is_success_response());
  EXPECT_TRUE(m->answers(kMagicCookie, binding_request().transaction_id));
  EXPECT_EQ(m->xor_mapped_address, source);
  EXPECT_EQ(m->mapped_address, source);  // mapped_address_too by default
  // The XOR form really is masked on the wire (the plain bytes must not appear there).
  EXPECT_EQ(bytes[20 + 4 + 2], static_cast<std::uint8_t>((40000 ^ 0x2112) >> 8));
}

TEST(StunXorMappedAddress, IPv6RoundTrip) {
  std::array<std::uint8_t, 16> v6{0x20, 0x01, 0x0d, 0xb8, 0x12, 0x34, 0x56, 0x78,
                                  0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77};
  const auto source = Address::ipv6(v6, 32853);
  ResponseOptions options;
  options.mapped_address_too = false;
  auto bytes = build_binding_success(binding_request(), source, options);
  auto m = decode(bytes);
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_EQ(m->xor_mapped_address, source);
  EXPECT_FALSE(m->mapped_address);
  EXPECT_EQ(m->reflexive_address()->to_string(), "[2001:db8:1234:5678:11:2233:4455:6677]:32853");
}

TEST(StunXorMappedAddress, Rfc5769IPv6ResponseVector) {
  // RFC 5769 §2.3 (IPv6 response, 2001:db8:1234:5678:11:2233:4455:6677 port 32853).
  const auto bytes = from_hex(
      "010100482112a442b7e7a701bc34d686fa87dfae"
      "8022000b7465737420766563746f7220"
      "002000140002a1470113a9faa5d3f179bc25f4b5bed2b9d9"
      "00080014a382954e4be67bf11784c97c8292c275bfe3ed41"
      "80280004c8fb0b4c");
  auto m = decode(bytes);
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_EQ(m->reflexive_address()->to_string(), "[2001:db8:1234:5678:11:2233:4455:6677]:32853");
  EXPECT_EQ(verify_integrity(bytes, kRfc5769Password), IntegrityResult::kOk);
}

TEST(StunBindingRequest, Tr111AttributesWithIntegrityAndFingerprint) {
  BindingRequestOptions options;
  options.transaction_id = {9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 1};
  options.credentials = Credentials{"cpe-0001", "stun-secret"};
  options.connection_request_binding = true;
  options.binding_change = true;
  options.software = "cwmp-cpe";
  options.fingerprint = true;
  auto bytes = build_binding_request(options);
  ASSERT_TRUE(looks_like_stun(bytes));
  auto m = decode(bytes);
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_TRUE(m->is_request());
  EXPECT_EQ(m->username, "cpe-0001");
  EXPECT_TRUE(m->connection_request_binding);
  EXPECT_TRUE(m->connection_request_binding_value);
  EXPECT_TRUE(m->binding_change);
  EXPECT_EQ(m->software, "cwmp-cpe");
  EXPECT_TRUE(m->unknown_required.empty());
  EXPECT_EQ(verify_integrity(bytes, "stun-secret"), IntegrityResult::kOk);
  EXPECT_EQ(verify_integrity(bytes, "other"), IntegrityResult::kMismatch);

  // The wire form of CONNECTION-REQUEST-BINDING: type 0xC001, length 20, the exact string.
  const std::string wire(bytes.begin(), bytes.end());
  const std::string expected = std::string("\xC0\x01\x00\x14", 4) + "dslforum.org/TR-111 ";
  EXPECT_NE(wire.find(expected), std::string::npos);
  // BINDING-CHANGE: type 0xC002, empty.
  EXPECT_NE(wire.find(std::string("\xC0\x02\x00\x00", 4)), std::string::npos);
}

TEST(StunBindingRequest, PlainRequestIsMinimal) {
  auto bytes = build_binding_request({});
  EXPECT_EQ(bytes.size(), kHeaderSize);
  auto m = decode(bytes);
  ASSERT_TRUE(m.ok());
  EXPECT_FALSE(m->has_message_integrity);
  EXPECT_FALSE(m->connection_request_binding);
  EXPECT_EQ(verify_integrity(bytes, "x"), IntegrityResult::kMissing);
}

TEST(StunIntegrity, FlippedByteFailsEverywhere) {
  BindingRequestOptions options;
  options.credentials = Credentials{"user", "pass"};
  options.connection_request_binding = true;
  const auto good = build_binding_request(options);
  ASSERT_EQ(verify_integrity(good, "pass"), IntegrityResult::kOk);
  // Every byte but the length field (which breaks framing instead) is covered by the HMAC.
  for (std::size_t i = 0; i < good.size(); ++i) {
    if (i == 2 || i == 3) continue;
    auto bad = good;
    bad[i] ^= 0x01;
    const auto result = verify_integrity(bad, "pass");
    EXPECT_NE(result, IntegrityResult::kOk) << "byte " << i;
  }
}

TEST(StunIntegrity, ResponseWithIntegrityVerifies) {
  auto request = binding_request();
  ResponseOptions options;
  options.integrity_key = "pw";
  options.fingerprint = true;
  options.software = "cwmp-acs";
  auto bytes = build_binding_success(request, Address::ipv4({1, 2, 3, 4}, 5), options);
  EXPECT_EQ(verify_integrity(bytes, "pw"), IntegrityResult::kOk);
  auto m = decode(bytes);
  ASSERT_TRUE(m.ok());
  EXPECT_TRUE(m->has_fingerprint);
  EXPECT_EQ(m->software, "cwmp-acs");
}

TEST(StunFingerprint, DetectsCorruptionAndMustBeLast) {
  BindingRequestOptions options;
  options.fingerprint = true;
  options.software = "x";
  auto bytes = build_binding_request(options);
  ASSERT_TRUE(decode(bytes).ok());
  EXPECT_TRUE(decode(bytes)->has_fingerprint);
  auto corrupt = bytes;
  corrupt[20 + 4] ^= 0x20;  // inside SOFTWARE
  auto m = decode(corrupt);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().kind, DecodeError::kBadFingerprint);
  EXPECT_EQ(verify_integrity(corrupt, ""), IntegrityResult::kBadFingerprint);

  // An attribute after FINGERPRINT is refused.
  MessageBuilder b(kBindingRequest, kMagicCookie, {});
  b.add_fingerprint().add(attr::kSoftware, std::string_view("late"));
  auto after = decode(std::move(b).finish());
  ASSERT_FALSE(after.ok());
  EXPECT_EQ(after.error().kind, DecodeError::kBadFingerprint);
}

TEST(StunDecode, AttributesAfterIntegrityAreIgnored) {
  MessageBuilder b(kBindingRequest, kMagicCookie, {});
  b.add(attr::kUsername, std::string_view("u")).add_message_integrity("k");
  b.add(attr::kSoftware, std::string_view("ignored")).add(0x0042, std::string_view("x"));
  auto m = decode(std::move(b).finish());
  ASSERT_TRUE(m.ok());
  EXPECT_FALSE(m->software);
  EXPECT_TRUE(m->unknown_required.empty());
}

TEST(StunDecode, UnknownComprehensionRequiredGets420) {
  MessageBuilder b(kBindingRequest, kMagicCookie, {});
  b.add(0x0042, std::string_view("abcd")).add(0x0042, std::string_view{});
  b.add(0x8042, std::string_view("optional is fine"));
  auto request = decode(std::move(b).finish());
  ASSERT_TRUE(request.ok());
  EXPECT_EQ(request->unknown_required, std::vector<std::uint16_t>{0x0042});
  auto error = decode(build_binding_error(*request, 420, "Unknown Attribute"));
  ASSERT_TRUE(error.ok()) << error.error().message;
  EXPECT_TRUE(error->is_error_response());
  ASSERT_TRUE(error->error);
  EXPECT_EQ(error->error->code, 420);
  EXPECT_EQ(error->error->reason, "Unknown Attribute");
  EXPECT_EQ(error->unknown_attributes, std::vector<std::uint16_t>{0x0042});
}

TEST(StunDecode, ErrorCodeRoundTripAndBadValues) {
  auto bytes = build_binding_error(binding_request(), 401, "Unauthorized");
  auto m = decode(bytes);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->error->code, 401);
  // Class 7 is not a valid error class.
  MessageBuilder b(kBindingErrorResponse, kMagicCookie, {});
  b.add(attr::kErrorCode, std::span<const std::uint8_t>(from_hex("00000701")));
  auto bad = decode(std::move(b).finish());
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().kind, DecodeError::kBadAttribute);
}

TEST(StunClassic, Rfc3489ResponseWithMappedAddressOnly) {
  // A classic server's answer: 128-bit transaction id without the cookie, MAPPED-ADDRESS plus
  // SOURCE-ADDRESS and CHANGED-ADDRESS (understood and ignored).
  const auto bytes = from_hex(
      "010100240102030405060708090a0b0c0d0e0f10"
      "000100080001ea60c6120007"    // MAPPED-ADDRESS 198.18.0.7:60000
      "0004000800010d96c6120001"    // SOURCE-ADDRESS 198.18.0.1:3478
      "0005000800010d97c6120002");  // CHANGED-ADDRESS
  ASSERT_TRUE(looks_like_stun(bytes));
  auto m = decode(bytes);
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_FALSE(m->is_rfc5389());
  EXPECT_TRUE(m->is_success_response());
  EXPECT_TRUE(m->unknown_required.empty());
  EXPECT_EQ(m->reflexive_address()->to_string(), "198.18.0.7:60000");
  EXPECT_EQ(m->cookie, 0x01020304u);
}

TEST(StunClassic, ResponderAnswersClassicRequestWithMappedAddressOnly) {
  auto request = binding_request(0xdeadbeef);
  request.change_request = 0;  // a classic client's CHANGE-REQUEST with no flags
  const auto source = Address::ipv4({203, 0, 113, 9}, 1234);
  ResponseOptions options;
  options.fingerprint = true;  // not for classic clients
  options.software = "x";      // neither
  auto bytes = build_binding_success(request, source, options);
  auto m = decode(bytes);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->cookie, 0xdeadbeefu);
  EXPECT_EQ(m->mapped_address, source);
  EXPECT_FALSE(m->xor_mapped_address);
  EXPECT_FALSE(m->has_fingerprint);
  EXPECT_FALSE(m->software);
  // A classic error reason is padded to a multiple of 4 with spaces (RFC 3489 §11.2.9).
  auto error = decode(build_binding_error(request, 400, "Bad"));
  ASSERT_TRUE(error.ok());
  EXPECT_EQ(error->error->reason, "Bad ");
}

TEST(StunClassify, StunVersusHttpOverUdp) {
  EXPECT_TRUE(looks_like_stun(kSampleRequest));
  EXPECT_TRUE(looks_like_stun(build_binding_request({})));
  const std::string http = "GET http://198.18.0.2:7547?ts=1&id=2&un=u&cn=c&sig=x HTTP/1.1\r\n\r\n";
  EXPECT_FALSE(
      looks_like_stun(std::span(reinterpret_cast<const std::uint8_t*>(http.data()), http.size())));
  auto wrong_length = build_binding_request({});
  wrong_length.push_back(0);
  EXPECT_FALSE(looks_like_stun(wrong_length));
  std::vector<std::uint8_t> no_cookie_odd_type(20, 0);
  no_cookie_odd_type[1] = 0x33;
  EXPECT_FALSE(looks_like_stun(no_cookie_odd_type));
  EXPECT_FALSE(looks_like_stun({}));
}

TEST(StunDecode, SizeLimitsAndFraming) {
  std::vector<std::uint8_t> big(kHeaderSize + 600, 0);
  big[2] = 0x02;
  big[3] = 0x58;  // 600
  big[4] = 0x21;
  big[5] = 0x12;
  big[6] = 0xa4;
  big[7] = 0x42;
  auto too_long = decode(big);
  ASSERT_FALSE(too_long.ok());
  EXPECT_EQ(too_long.error().kind, DecodeError::kTooLong);
  // With a higher limit the same bytes are 150 empty attributes of type 0x0000: legal framing,
  // one unknown comprehension-required type reported once.
  auto allowed = decode(big, 1024);
  ASSERT_TRUE(allowed.ok()) << allowed.error().message;
  EXPECT_EQ(allowed->unknown_required, std::vector<std::uint16_t>{0x0000});

  // An attribute whose length runs past the end.
  MessageBuilder b(kBindingRequest, kMagicCookie, {});
  b.add(attr::kUsername, std::string_view("abcd"));
  auto bytes = std::move(b).finish();
  bytes[20 + 3] = 0x40;
  auto overrun = decode(bytes);
  ASSERT_FALSE(overrun.ok());
  EXPECT_EQ(overrun.error().kind, DecodeError::kBadAttribute);
}

TEST(StunDecode, EveryTruncationAndRandomGarbageIsSafe) {
  BindingRequestOptions options;
  options.credentials = Credentials{"user", "pass"};
  options.connection_request_binding = true;
  options.binding_change = true;
  options.software = "cwmp";
  options.fingerprint = true;
  const auto good = build_binding_request(options);
  for (std::size_t n = 0; n < good.size(); ++n) {
    const auto prefix = std::span(good).first(n);
    EXPECT_FALSE(decode(prefix).ok()) << n;
    (void)verify_integrity(prefix, "pass");
    (void)looks_like_stun(prefix);
  }
  std::mt19937 rng(12345);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<std::size_t> size(0, 600);
  for (int round = 0; round < 3000; ++round) {
    std::vector<std::uint8_t> junk(size(rng));
    for (auto& b : junk) b = static_cast<std::uint8_t>(byte(rng));
    if (round % 2 == 0 && junk.size() >= kHeaderSize) {
      // Make half of them pass the header checks so the attribute walk is exercised.
      junk[0] &= 0x3F;
      const std::size_t length = (junk.size() - kHeaderSize) & ~std::size_t{3};
      junk.resize(kHeaderSize + length);
      junk[2] = static_cast<std::uint8_t>(length >> 8);
      junk[3] = static_cast<std::uint8_t>(length);
      junk[4] = 0x21;
      junk[5] = 0x12;
      junk[6] = 0xa4;
      junk[7] = 0x42;
    }
    auto m = decode(junk);
    (void)verify_integrity(junk, "pass");
    (void)looks_like_stun(junk);
    if (m.ok()) (void)m->reflexive_address();
  }
  // Single-byte mutations of a good message.
  for (std::size_t i = 0; i < good.size(); ++i) {
    for (int v : {0x00, 0xFF, 0x7F}) {
      auto mutated = good;
      mutated[i] = static_cast<std::uint8_t>(v);
      (void)decode(mutated);
      (void)verify_integrity(mutated, "pass");
    }
  }
}

}  // namespace
}  // namespace cwmp::stun
