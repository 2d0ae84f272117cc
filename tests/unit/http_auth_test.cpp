// Tests of cwmp::auth: RFC vectors, client/server round trips, stateless nonces, header parsing.
#include "cwmp/http_auth.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace cwmp::auth {
namespace {

using std::chrono::seconds;
using TimePoint = std::chrono::system_clock::time_point;

const TimePoint kT0{seconds{1'700'000'000}};

// Deterministic "random" bytes: a counter, so every test is reproducible.
RandomSource counting_random(std::uint8_t start = 1) {
  auto state = std::make_shared<std::uint8_t>(start);
  return [state](std::span<std::uint8_t> out) {
    for (auto& b : out) b = (*state)++;
  };
}

DigestServerOptions options_for(std::string realm) {
  DigestServerOptions o;
  o.realm = std::move(realm);
  return o;
}

// RFC 7616 §3.9.1.
constexpr std::string_view kRfc7616Nonce = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v";
constexpr std::string_view kRfc7616Cnonce = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ";
constexpr std::string_view kRfc7616Opaque = "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS";

DigestInputs rfc7616_inputs(DigestAlgorithm algorithm) {
  return {.algorithm = algorithm,
          .username = "Mufasa",
          .realm = "http-auth@example.org",
          .password = "Circle of Life",
          .nonce = kRfc7616Nonce,
          .cnonce = kRfc7616Cnonce,
          .nc = "00000001",
          .qop = "auth",
          .method = "GET",
          .uri = "/dir/index.html"};
}

// ------------------------------------------------------------------------------- vectors

TEST(HttpAuthVectors, Rfc7616Md5) {
  EXPECT_EQ(compute_digest_response(rfc7616_inputs(DigestAlgorithm::kMd5)),
            "8ca523f5e9506fed4657c9700eebdbec");
}

TEST(HttpAuthVectors, Rfc7616Sha256) {
  EXPECT_EQ(compute_digest_response(rfc7616_inputs(DigestAlgorithm::kSha256)),
            "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1");
}

TEST(HttpAuthVectors, Rfc2617) {
  EXPECT_EQ(compute_digest_response({.algorithm = DigestAlgorithm::kMd5,
                                     .username = "Mufasa",
                                     .realm = "testrealm@host.com",
                                     .password = "Circle Of Life",
                                     .nonce = "dcd98b7102dd2f0e8b11d0f600bfb0c093",
                                     .cnonce = "0a4f113b",
                                     .nc = "00000001",
                                     .qop = "auth",
                                     .method = "GET",
                                     .uri = "/dir/index.html"}),
            "6629fae49393a05397450978507c4ef1");
}

TEST(HttpAuthVectors, Rfc2069NoQopFormula) {
  // Without qop: response = H(HA1 ":" nonce ":" HA2), no nc or cnonce.
  const auto ha1 = digest_hex(DigestAlgorithm::kMd5, "Mufasa:testrealm@host.com:Circle Of Life");
  const auto ha2 = digest_hex(DigestAlgorithm::kMd5, "GET:/dir/index.html");
  ASSERT_TRUE(ha1 && ha2);
  const auto expected =
      digest_hex(DigestAlgorithm::kMd5, *ha1 + ":dcd98b7102dd2f0e8b11d0f600bfb0c093:" + *ha2);
  EXPECT_EQ(compute_digest_response({.algorithm = DigestAlgorithm::kMd5,
                                     .username = "Mufasa",
                                     .realm = "testrealm@host.com",
                                     .password = "Circle Of Life",
                                     .nonce = "dcd98b7102dd2f0e8b11d0f600bfb0c093",
                                     .method = "GET",
                                     .uri = "/dir/index.html"}),
            expected);
}

TEST(HttpAuthVectors, SessionAlgorithmHashesNonceAndCnonceIntoHa1) {
  auto in = rfc7616_inputs(DigestAlgorithm::kMd5Sess);
  const auto ha1 = digest_hex(DigestAlgorithm::kMd5, "Mufasa:http-auth@example.org:Circle of Life");
  const auto sess_ha1 = digest_hex(DigestAlgorithm::kMd5, *ha1 + ":" + std::string(kRfc7616Nonce) +
                                                              ":" + std::string(kRfc7616Cnonce));
  const auto ha2 = digest_hex(DigestAlgorithm::kMd5, "GET:/dir/index.html");
  const auto expected = digest_hex(
      DigestAlgorithm::kMd5, *sess_ha1 + ":" + std::string(kRfc7616Nonce) +
                                 ":00000001:" + std::string(kRfc7616Cnonce) + ":auth:" + *ha2);
  EXPECT_EQ(compute_digest_response(in), expected);
  EXPECT_NE(compute_digest_response(in),
            compute_digest_response(rfc7616_inputs(DigestAlgorithm::kMd5)));
}

TEST(HttpAuthVectors, DigestHexKnownValues) {
  EXPECT_EQ(digest_hex(DigestAlgorithm::kMd5, ""), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(digest_hex(DigestAlgorithm::kSha256Sess, "abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(HttpAuthVectors, ParsesRfc7616AuthorizationAndRecomputesIt) {
  const std::string header =
      "Digest username=\"Mufasa\",\r\n realm=\"http-auth@example.org\",\r\n "
      "uri=\"/dir/index.html\",\r\n algorithm=MD5,\r\n "
      "nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\",\r\n nc=00000001,\r\n "
      "cnonce=\"f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ\",\r\n qop=auth,\r\n "
      "response=\"8ca523f5e9506fed4657c9700eebdbec\",\r\n "
      "opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"";
  const auto c = parse_digest_authorization(header);
  ASSERT_TRUE(c.ok()) << to_string(c.error());
  EXPECT_EQ(c->username, "Mufasa");
  EXPECT_EQ(c->realm, "http-auth@example.org");
  EXPECT_EQ(c->uri, "/dir/index.html");
  EXPECT_EQ(c->algorithm, DigestAlgorithm::kMd5);
  EXPECT_EQ(c->nonce, kRfc7616Nonce);
  EXPECT_EQ(c->nc, "00000001");
  EXPECT_EQ(c->nc_value, 1u);
  EXPECT_EQ(c->cnonce, kRfc7616Cnonce);
  EXPECT_EQ(c->qop, Qop::kAuth);
  EXPECT_EQ(c->opaque, kRfc7616Opaque);
  EXPECT_FALSE(c->userhash);
  EXPECT_EQ(compute_digest_response({.algorithm = c->algorithm,
                                     .username = c->username,
                                     .realm = c->realm,
                                     .password = "Circle of Life",
                                     .nonce = c->nonce,
                                     .cnonce = c->cnonce,
                                     .nc = c->nc,
                                     .qop = "auth",
                                     .method = "GET",
                                     .uri = c->uri}),
            c->response);
}

TEST(HttpAuthVectors, Rfc7616ChallengesPickSha256) {
  // The two WWW-Authenticate fields of §3.9.1, joined as RFC 7230 §3.2.2 allows.
  const std::string header =
      "Digest realm=\"http-auth@example.org\", qop=\"auth, auth-int\", algorithm=MD5, "
      "nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\", "
      "opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\", "
      "Digest realm=\"http-auth@example.org\", qop=\"auth, auth-int\", algorithm=SHA-256, "
      "nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\", "
      "opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"";
  const auto sel = parse_www_authenticate(header);
  ASSERT_TRUE(sel.ok()) << to_string(sel.error());
  ASSERT_EQ(sel->scheme, SelectedChallenge::Scheme::kDigest);
  EXPECT_EQ(sel->realm, "http-auth@example.org");
  EXPECT_EQ(sel->digest.algorithm, DigestAlgorithm::kSha256);
  EXPECT_TRUE(sel->digest.algorithm_explicit);
  EXPECT_EQ(sel->digest.qop, Qop::kAuth);
  EXPECT_EQ(sel->digest.nonce, kRfc7616Nonce);
  EXPECT_EQ(sel->digest.opaque, kRfc7616Opaque);
  EXPECT_FALSE(sel->digest.stale);
}

// ------------------------------------------------------------------------------- client

TEST(HttpAuthClient, BuildsHeaderTheServerSideRecomputes) {
  DigestChallenge ch;
  ch.realm = "http-auth@example.org";
  ch.nonce = std::string(kRfc7616Nonce);
  ch.opaque = std::string(kRfc7616Opaque);
  ch.algorithm = DigestAlgorithm::kSha256;
  ch.algorithm_explicit = true;
  ch.qop = Qop::kAuth;
  DigestClient client("Mufasa", "Circle of Life", counting_random(0));
  EXPECT_FALSE(client.authorization("GET", "/").has_value());  // no challenge yet
  client.set_challenge(ch);
  const auto header = client.authorization("GET", "/dir/index.html");
  ASSERT_TRUE(header.has_value());
  // cnonce = hex of 16 counter bytes starting at 0.
  EXPECT_EQ(*header,
            "Digest username=\"Mufasa\", realm=\"http-auth@example.org\", uri=\"/dir/index.html\", "
            "algorithm=SHA-256, nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\", "
            "nc=00000001, cnonce=\"000102030405060708090a0b0c0d0e0f\", qop=auth, response=\"" +
                *compute_digest_response({.algorithm = DigestAlgorithm::kSha256,
                                          .username = "Mufasa",
                                          .realm = "http-auth@example.org",
                                          .password = "Circle of Life",
                                          .nonce = kRfc7616Nonce,
                                          .cnonce = "000102030405060708090a0b0c0d0e0f",
                                          .nc = "00000001",
                                          .qop = "auth",
                                          .method = "GET",
                                          .uri = "/dir/index.html"}) +
                "\", opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"");
}

TEST(HttpAuthClient, NonceCountIncrementsAndCnonceStaysPerNonce) {
  DigestChallenge ch;
  ch.realm = "r";
  ch.nonce = "n1";
  ch.qop = Qop::kAuth;
  DigestClient client("u", "p", counting_random());
  client.set_challenge(ch);
  const auto first = parse_digest_authorization(*client.authorization("POST", "/acs"));
  const auto second = parse_digest_authorization(*client.authorization("POST", "/acs"));
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(first->nc, "00000001");
  EXPECT_EQ(second->nc, "00000002");
  EXPECT_EQ(client.nonce_count(), 2u);
  EXPECT_EQ(first->cnonce, second->cnonce);
  EXPECT_NE(first->response, second->response);

  // The server repeating the same nonce does not restart the count (a tracker would refuse it).
  client.set_challenge(ch);
  EXPECT_EQ(parse_digest_authorization(*client.authorization("POST", "/acs"))->nc, "00000003");

  // A new nonce (e.g. stale=true) starts over with a fresh cnonce.
  ch.nonce = "n2";
  ch.stale = true;
  client.set_challenge(ch);
  const auto third = parse_digest_authorization(*client.authorization("POST", "/acs"));
  ASSERT_TRUE(third.ok());
  EXPECT_EQ(third->nc, "00000001");
  EXPECT_EQ(third->nonce, "n2");
  EXPECT_NE(third->cnonce, first->cnonce);
}

TEST(HttpAuthClient, NcIsEightLowerHexDigits) {
  DigestChallenge ch;
  ch.nonce = "n";
  ch.qop = Qop::kAuth;
  DigestClient client("u", "p", counting_random());
  client.set_challenge(ch);
  std::optional<std::string> header;
  for (int k = 0; k < 26; ++k) header = client.authorization("GET", "/");
  const auto c = parse_digest_authorization(*header);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->nc, "0000001a");
  EXPECT_EQ(c->nc_value, 26u);
}

TEST(HttpAuthClient, Rfc2069ChallengeWithoutQop) {
  DigestChallenge ch;
  ch.realm = "testrealm@host.com";
  ch.nonce = "dcd98b7102dd2f0e8b11d0f600bfb0c093";
  DigestClient client("Mufasa", "Circle Of Life", counting_random());
  client.set_challenge(ch);
  const auto header = client.authorization("GET", "/dir/index.html");
  ASSERT_TRUE(header.has_value());
  // No algorithm (not named by the server), no qop, nc or cnonce.
  EXPECT_EQ(header->find("algorithm"), std::string::npos);
  EXPECT_EQ(header->find("qop"), std::string::npos);
  EXPECT_EQ(header->find("nc="), std::string::npos);
  EXPECT_EQ(header->find("cnonce"), std::string::npos);
  EXPECT_EQ(client.nonce_count(), 0u);
  const auto c = parse_digest_authorization(*header);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->qop, Qop::kNone);
  EXPECT_EQ(c->response, compute_digest_response({.algorithm = DigestAlgorithm::kMd5,
                                                  .username = "Mufasa",
                                                  .realm = "testrealm@host.com",
                                                  .password = "Circle Of Life",
                                                  .nonce = "dcd98b7102dd2f0e8b11d0f600bfb0c093",
                                                  .method = "GET",
                                                  .uri = "/dir/index.html"}));
}

TEST(HttpAuthClient, EscapesQuotesAndBackslashes) {
  DigestChallenge ch;
  ch.realm = "a\"b";
  ch.nonce = "n";
  ch.qop = Qop::kAuth;
  DigestClient client("DOMAIN\\user", "p", counting_random());
  client.set_challenge(ch);
  const auto header = client.authorization("GET", "/");
  ASSERT_TRUE(header.has_value());
  EXPECT_NE(header->find("username=\"DOMAIN\\\\user\""), std::string::npos) << *header;
  const auto c = parse_digest_authorization(*header);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->username, "DOMAIN\\user");
  EXPECT_EQ(c->realm, "a\"b");
}

TEST(HttpAuthClient, UserhashSendsHashedUsername) {
  DigestChallenge ch;
  ch.realm = "api@example.org";
  ch.nonce = "n";
  ch.qop = Qop::kAuth;
  ch.algorithm = DigestAlgorithm::kSha256;
  ch.userhash = true;
  DigestClient client("J\xC3\xA4s\xC3\xB8n Doe", "Secret, or not?", counting_random());
  client.set_challenge(ch);
  const auto c = parse_digest_authorization(*client.authorization("GET", "/doe.json"));
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->userhash);
  EXPECT_EQ(c->username,
            digest_hex(DigestAlgorithm::kSha256, "J\xC3\xA4s\xC3\xB8n Doe:api@example.org"));
  // The response itself is computed with the real username (RFC 7616 §3.4.4).
  EXPECT_EQ(c->response, compute_digest_response({.algorithm = DigestAlgorithm::kSha256,
                                                  .username = "J\xC3\xA4s\xC3\xB8n Doe",
                                                  .realm = "api@example.org",
                                                  .password = "Secret, or not?",
                                                  .nonce = "n",
                                                  .cnonce = c->cnonce,
                                                  .nc = "00000001",
                                                  .qop = "auth",
                                                  .method = "GET",
                                                  .uri = "/doe.json"}));
}

TEST(HttpAuthClient, RejectsEmptyRandomSource) {
  EXPECT_THROW(DigestClient("u", "p", RandomSource{}), std::invalid_argument);
}

// ------------------------------------------------------------------------------- server

class HttpAuthServer : public ::testing::Test {
 protected:
  // Client answers the server's first challenge for `method uri`, and the server verifies.
  static std::optional<DigestCredentials> answer(const DigestServer& server, DigestClient& client,
                                                 TimePoint now, std::string_view method,
                                                 std::string_view uri, bool stale = false) {
    std::string joined;
    for (const auto& v : server.challenges(now, stale)) joined += (joined.empty() ? "" : ", ") + v;
    auto sel = parse_www_authenticate(joined);
    if (!sel.ok() || sel->scheme != SelectedChallenge::Scheme::kDigest) return std::nullopt;
    client.set_challenge(sel->digest);
    auto header = client.authorization(method, uri);
    if (!header) return std::nullopt;
    auto creds = parse_digest_authorization(*header);
    if (!creds.ok()) return std::nullopt;
    return std::move(creds).value();
  }

  DigestServer server_{options_for("cwmp"), counting_random(100)};
};

TEST_F(HttpAuthServer, RoundTripEveryAlgorithm) {
  for (const auto alg : {DigestAlgorithm::kMd5, DigestAlgorithm::kMd5Sess, DigestAlgorithm::kSha256,
                         DigestAlgorithm::kSha256Sess}) {
    auto o = options_for("cwmp");
    o.algorithms = {alg};
    const DigestServer server(o, counting_random());
    DigestClient client("cpe-0001", "s3cret", counting_random(7));
    const auto creds = answer(server, client, kT0, "POST", "/acs");
    ASSERT_TRUE(creds.has_value()) << to_string(alg);
    EXPECT_EQ(creds->algorithm, alg);
    EXPECT_EQ(server.verify(*creds, "POST", "/acs", "s3cret", kT0 + seconds{5}), VerifyResult::kOk)
        << to_string(alg);
  }
}

TEST_F(HttpAuthServer, ClientPicksSha256FromDefaultChallenges) {
  const auto values = server_.challenges(kT0);
  ASSERT_EQ(values.size(), 2u);
  EXPECT_NE(values[0].find("algorithm=SHA-256"), std::string::npos);
  EXPECT_NE(values[1].find("algorithm=MD5"), std::string::npos);
  DigestClient client("u", "p", counting_random());
  const auto creds = answer(server_, client, kT0, "POST", "/acs");
  ASSERT_TRUE(creds.has_value());
  EXPECT_EQ(creds->algorithm, DigestAlgorithm::kSha256);
  EXPECT_EQ(server_.verify(*creds, "POST", "/acs", "p", kT0), VerifyResult::kOk);
}

TEST_F(HttpAuthServer, ChallengeFormat) {
  auto o = options_for("ACS \"main\"");
  o.algorithms = {DigestAlgorithm::kMd5};
  o.opaque = "op";
  const DigestServer server(o, counting_random());
  const auto values = server.challenges(kT0, /*stale=*/true);
  ASSERT_EQ(values.size(), 1u);
  const std::string nonce = server.make_nonce(kT0);  // same time: only the salt differs
  EXPECT_TRUE(
      values[0].starts_with(R"(Digest realm="ACS \"main\"", qop="auth", algorithm=MD5, nonce=")"))
      << values[0];
  EXPECT_NE(values[0].find(", opaque=\"op\", stale=true"), std::string::npos) << values[0];
  const auto sel = parse_www_authenticate(values[0]);
  ASSERT_TRUE(sel.ok());
  EXPECT_EQ(sel->digest.realm, "ACS \"main\"");
  EXPECT_TRUE(sel->digest.stale);
  EXPECT_EQ(sel->digest.opaque, "op");
  EXPECT_EQ(sel->digest.nonce.size(), 43u);
  EXPECT_NE(sel->digest.nonce, nonce);
  EXPECT_EQ(sel->digest.nonce.substr(0, 10), nonce.substr(0, 10));  // the time prefix
}

TEST_F(HttpAuthServer, NonceIsCompactBase64UrlAndSalted) {
  const auto a = server_.make_nonce(kT0);
  const auto b = server_.make_nonce(kT0);
  EXPECT_EQ(a.size(), 43u);
  EXPECT_NE(a, b);
  for (const char c : a) {
    EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') << a;
  }
  // Same secret and random sequence, same nonce: fully deterministic.
  const DigestServer twin(options_for("cwmp"), counting_random(100));
  EXPECT_EQ(twin.make_nonce(kT0), a);
}

TEST_F(HttpAuthServer, NonceSurvivesReconnectAndOtherNodes) {
  // Two nodes sharing a secret: a nonce from one verifies on the other; nothing is stored.
  const std::vector<std::uint8_t> secret(32, 0x42);
  const DigestServer node_a(options_for("cwmp"), secret, counting_random(1));
  const DigestServer node_b(options_for("cwmp"), secret, counting_random(200));
  DigestClient client("u", "p", counting_random());
  const auto creds = answer(node_a, client, kT0, "POST", "/acs");
  ASSERT_TRUE(creds.has_value());
  EXPECT_EQ(node_b.verify(*creds, "POST", "/acs", "p", kT0 + seconds{1}), VerifyResult::kOk);
  // A node with another secret does not know the nonce.
  const DigestServer stranger(options_for("cwmp"), std::vector<std::uint8_t>(32, 0x43),
                              counting_random());
  EXPECT_EQ(stranger.verify(*creds, "POST", "/acs", "p", kT0), VerifyResult::kBadNonce);
}

TEST_F(HttpAuthServer, StaleNonce) {
  DigestClient client("u", "p", counting_random());
  const auto creds = answer(server_, client, kT0, "POST", "/acs");
  ASSERT_TRUE(creds.has_value());
  const auto max_age = server_.options().nonce_max_age;
  EXPECT_EQ(server_.verify(*creds, "POST", "/acs", "p", kT0 + max_age), VerifyResult::kOk);
  const TimePoint later = kT0 + max_age + seconds{1};
  EXPECT_EQ(server_.verify(*creds, "POST", "/acs", "p", later), VerifyResult::kStale);
  // Stale is only said to someone who knows the password.
  EXPECT_EQ(server_.verify(*creds, "POST", "/acs", "wrong", later), VerifyResult::kBadResponse);

  // The client takes the stale=true challenge and succeeds with the new nonce.
  const auto retry = answer(server_, client, later, "POST", "/acs", /*stale=*/true);
  ASSERT_TRUE(retry.has_value());
  EXPECT_TRUE(client.challenge()->stale);
  EXPECT_NE(retry->nonce, creds->nonce);
  EXPECT_EQ(retry->nc, "00000001");
  EXPECT_EQ(server_.verify(*retry, "POST", "/acs", "p", later), VerifyResult::kOk);
}

TEST_F(HttpAuthServer, NonceFromTheFuture) {
  DigestClient client("u", "p", counting_random());
  const auto creds = answer(server_, client, kT0, "POST", "/acs");
  ASSERT_TRUE(creds.has_value());
  const auto skew = server_.options().max_clock_skew;
  EXPECT_EQ(server_.verify(*creds, "POST", "/acs", "p", kT0 - skew), VerifyResult::kOk);
  EXPECT_EQ(server_.verify(*creds, "POST", "/acs", "p", kT0 - skew - seconds{1}),
            VerifyResult::kBadNonce);
}

TEST_F(HttpAuthServer, TamperedNonce) {
  DigestClient client("u", "p", counting_random());
  const auto creds = answer(server_, client, kT0, "POST", "/acs");
  ASSERT_TRUE(creds.has_value());
  // Flip each character in turn (and re-sign the response so only the nonce is at fault).
  for (std::size_t k = 0; k < creds->nonce.size(); ++k) {
    DigestCredentials t = *creds;
    t.nonce[k] = t.nonce[k] == 'A' ? 'B' : 'A';
    t.response = *compute_digest_response({.algorithm = t.algorithm,
                                           .username = "u",
                                           .realm = "cwmp",
                                           .password = "p",
                                           .nonce = t.nonce,
                                           .cnonce = t.cnonce,
                                           .nc = t.nc,
                                           .qop = "auth",
                                           .method = "POST",
                                           .uri = "/acs"});
    EXPECT_EQ(server_.verify(t, "POST", "/acs", "p", kT0), VerifyResult::kBadNonce) << k;
  }
  for (const std::string& bad : std::vector<std::string>{
           "", "abc", std::string(43, '='), creds->nonce + "A", creds->nonce.substr(1),
           std::string(43, 'A'), creds->nonce.substr(0, 42) + "+"}) {
    DigestCredentials t = *creds;
    t.nonce = bad;
    EXPECT_EQ(server_.verify(t, "POST", "/acs", "p", kT0), VerifyResult::kBadNonce) << bad;
  }
}

TEST_F(HttpAuthServer, NonceIsBoundToTheRealm) {
  const std::vector<std::uint8_t> secret(32, 7);
  const DigestServer acs(options_for("acs"), secret, counting_random());
  auto cr_options = options_for("connreq");
  const DigestServer connreq(cr_options, secret, counting_random());
  const std::string nonce = acs.make_nonce(kT0);
  DigestChallenge ch;
  ch.realm = "connreq";  // a client that is fooled into using the ACS nonce in another realm
  ch.nonce = nonce;
  ch.qop = Qop::kAuth;
  DigestClient client("u", "p", counting_random());
  client.set_challenge(ch);
  const auto creds = parse_digest_authorization(*client.authorization("GET", "/cr"));
  ASSERT_TRUE(creds.ok());
  EXPECT_EQ(connreq.verify(*creds, "GET", "/cr", "p", kT0), VerifyResult::kBadNonce);
}

TEST_F(HttpAuthServer, WrongPassword) {
  DigestClient client("u", "wrong", counting_random());
  const auto creds = answer(server_, client, kT0, "POST", "/acs");
  ASSERT_TRUE(creds.has_value());
  EXPECT_EQ(server_.verify(*creds, "POST", "/acs", "p", kT0), VerifyResult::kBadResponse);
  EXPECT_EQ(server_.verify(*creds, "POST", "/acs", "", kT0), VerifyResult::kBadResponse);
  EXPECT_EQ(server_.verify(*creds, "POST", "/acs", "wrong", kT0), VerifyResult::kOk);
}

TEST_F(HttpAuthServer, WrongUriAndTamperedFields) {
  DigestClient client("u", "p", counting_random());
  const auto creds = answer(server_, client, kT0, "POST", "/acs");
  ASSERT_TRUE(creds.has_value());
  // Credentials for /acs replayed on another request-target.
  EXPECT_EQ(server_.verify(*creds, "POST", "/other", "p", kT0), VerifyResult::kUriMismatch);
  EXPECT_EQ(server_.verify(*creds, "POST", "/acs?x=1", "p", kT0), VerifyResult::kUriMismatch);
  // uri parameter rewritten to match: the digest no longer matches.
  DigestCredentials t = *creds;
  t.uri = "/other";
  EXPECT_EQ(server_.verify(t, "POST", "/other", "p", kT0), VerifyResult::kBadResponse);
  // Method, username, cnonce, nc changed.
  EXPECT_EQ(server_.verify(*creds, "GET", "/acs", "p", kT0), VerifyResult::kBadResponse);
  t = *creds;
  t.username = "v";
  EXPECT_EQ(server_.verify(t, "POST", "/acs", "p", kT0), VerifyResult::kBadResponse);
  t = *creds;
  t.cnonce += "x";
  EXPECT_EQ(server_.verify(t, "POST", "/acs", "p", kT0), VerifyResult::kBadResponse);
  t = *creds;
  t.nc = "00000002";
  EXPECT_EQ(server_.verify(t, "POST", "/acs", "p", kT0), VerifyResult::kBadResponse);
  t = *creds;
  t.response = t.response.substr(0, 63);
  EXPECT_EQ(server_.verify(t, "POST", "/acs", "p", kT0), VerifyResult::kBadResponse);
}

TEST_F(HttpAuthServer, AbsoluteFormUriMatchesOriginForm) {
  DigestClient client("u", "p", counting_random());
  auto creds = answer(server_, client, kT0, "GET", "http://cpe.example:7547/cr/abc");
  ASSERT_TRUE(creds.has_value());
  EXPECT_EQ(server_.verify(*creds, "GET", "/cr/abc", "p", kT0), VerifyResult::kOk);
  creds = answer(server_, client, kT0, "GET", "/");
  ASSERT_TRUE(creds.has_value());
  EXPECT_EQ(server_.verify(*creds, "GET", "http://cpe.example:7547", "p", kT0), VerifyResult::kOk);
  EXPECT_EQ(server_.verify(*creds, "GET", "http://cpe.example:7547/x", "p", kT0),
            VerifyResult::kUriMismatch);
}

TEST_F(HttpAuthServer, WrongRealmAndAlgorithmPolicy) {
  DigestClient client("u", "p", counting_random());
  auto creds = answer(server_, client, kT0, "POST", "/acs");
  ASSERT_TRUE(creds.has_value());
  DigestCredentials t = *creds;
  t.realm = "other";
  EXPECT_EQ(server_.verify(t, "POST", "/acs", "p", kT0), VerifyResult::kWrongRealm);

  // An algorithm the server does not offer.
  auto o = options_for("cwmp");
  o.algorithms = {DigestAlgorithm::kSha256};
  const DigestServer sha_only(o, counting_random());
  DigestChallenge ch;
  ch.realm = "cwmp";
  ch.nonce = sha_only.make_nonce(kT0);
  ch.qop = Qop::kAuth;  // algorithm MD5 by default
  client.set_challenge(ch);
  const auto md5 = parse_digest_authorization(*client.authorization("POST", "/acs"));
  ASSERT_TRUE(md5.ok());
  EXPECT_EQ(sha_only.verify(*md5, "POST", "/acs", "p", kT0), VerifyResult::kUnsupportedAlgorithm);

  // userhash is never offered by the server.
  t = *creds;
  t.userhash = true;
  EXPECT_EQ(server_.verify(t, "POST", "/acs", "p", kT0), VerifyResult::kUnsupportedAlgorithm);
}

TEST_F(HttpAuthServer, Rfc2069ClientWithoutQop) {
  DigestChallenge ch;
  ch.realm = "cwmp";
  ch.nonce = server_.make_nonce(kT0);
  DigestClient client("u", "p", counting_random());
  client.set_challenge(ch);  // an old CPE ignoring qop
  const auto creds = parse_digest_authorization(*client.authorization("POST", "/acs"));
  ASSERT_TRUE(creds.ok());
  EXPECT_EQ(creds->qop, Qop::kNone);
  EXPECT_EQ(server_.verify(*creds, "POST", "/acs", "p", kT0), VerifyResult::kOk);
  EXPECT_EQ(server_.verify(*creds, "POST", "/acs", "x", kT0), VerifyResult::kBadResponse);

  auto o = options_for("cwmp");
  o.allow_no_qop = false;
  const DigestServer strict(o, counting_random());
  DigestChallenge ch2 = ch;
  ch2.nonce = strict.make_nonce(kT0);
  client.set_challenge(ch2);
  const auto creds2 = parse_digest_authorization(*client.authorization("POST", "/acs"));
  ASSERT_TRUE(creds2.ok());
  EXPECT_EQ(strict.verify(*creds2, "POST", "/acs", "p", kT0), VerifyResult::kUnsupportedAlgorithm);
}

TEST_F(HttpAuthServer, ServerWithoutQopChallenge) {
  auto o = options_for("cwmp");
  o.offer_qop = false;
  o.algorithms = {DigestAlgorithm::kMd5};
  const DigestServer server(o, counting_random());
  const auto values = server.challenges(kT0);
  EXPECT_EQ(values[0].find("qop"), std::string::npos);
  DigestClient client("u", "p", counting_random());
  const auto creds = answer(server, client, kT0, "GET", "/");
  ASSERT_TRUE(creds.has_value());
  EXPECT_EQ(creds->qop, Qop::kNone);
  EXPECT_EQ(server.verify(*creds, "GET", "/", "p", kT0), VerifyResult::kOk);
}

TEST_F(HttpAuthServer, OpaqueMustComeBack) {
  auto o = options_for("cwmp");
  o.opaque = "FQhe";
  const DigestServer server(o, counting_random());
  DigestClient client("u", "p", counting_random());
  const auto creds = answer(server, client, kT0, "POST", "/acs");
  ASSERT_TRUE(creds.has_value());
  EXPECT_EQ(creds->opaque, "FQhe");
  EXPECT_EQ(server.verify(*creds, "POST", "/acs", "p", kT0), VerifyResult::kOk);
  DigestCredentials t = *creds;
  t.opaque.reset();
  EXPECT_EQ(server.verify(t, "POST", "/acs", "p", kT0), VerifyResult::kBadNonce);
  t.opaque = "other";
  EXPECT_EQ(server.verify(t, "POST", "/acs", "p", kT0), VerifyResult::kBadNonce);
}

TEST_F(HttpAuthServer, SubsequentRequestsOnOneNonceWithTracker) {
  DigestClient client("u", "p", counting_random());
  const auto first = answer(server_, client, kT0, "POST", "/acs");
  ASSERT_TRUE(first.has_value());
  const auto second = parse_digest_authorization(*client.authorization("POST", "/acs"));
  ASSERT_TRUE(second.ok());
  NonceCountTracker tracker(16);
  for (const auto* c : {&*first, &second.value()}) {
    ASSERT_EQ(server_.verify(*c, "POST", "/acs", "p", kT0), VerifyResult::kOk);
    EXPECT_TRUE(tracker.check_and_record(c->nonce, c->nc_value));
  }
  // A replay of the first request is still a valid digest, but the tracker refuses it.
  EXPECT_EQ(server_.verify(*first, "POST", "/acs", "p", kT0), VerifyResult::kOk);
  EXPECT_FALSE(tracker.check_and_record(first->nonce, first->nc_value));
  EXPECT_FALSE(tracker.check_and_record(second->nonce, second->nc_value));
}

TEST_F(HttpAuthServer, RejectsMisconfiguration) {
  EXPECT_THROW(DigestServer(options_for("r"), RandomSource{}), std::invalid_argument);
  EXPECT_THROW(DigestServer(options_for("r"), std::vector<std::uint8_t>(15), counting_random()),
               std::invalid_argument);
  auto o = options_for("r");
  o.algorithms.clear();
  EXPECT_THROW(DigestServer(o, counting_random()), std::invalid_argument);
}

TEST(HttpAuthVerifyResult, NamesAndParseErrorMapping) {
  EXPECT_EQ(to_string(VerifyResult::kStale), "stale");
  EXPECT_EQ(to_string(VerifyResult::kUriMismatch), "uri_mismatch");
  EXPECT_EQ(to_verify_result(ParseError::kUnsupportedAlgorithm),
            VerifyResult::kUnsupportedAlgorithm);
  EXPECT_EQ(to_verify_result(ParseError::kNoSupportedScheme), VerifyResult::kUnsupportedAlgorithm);
  EXPECT_EQ(to_verify_result(ParseError::kMissingParam), VerifyResult::kMalformed);
  EXPECT_EQ(to_verify_result(ParseError::kTooLong), VerifyResult::kMalformed);
}

// ------------------------------------------------------------------------------- tracker

TEST(HttpAuthTracker, LruBounded) {
  NonceCountTracker t(2);
  EXPECT_TRUE(t.check_and_record("a", 1));
  EXPECT_TRUE(t.check_and_record("b", 1));
  EXPECT_TRUE(t.check_and_record("a", 2));  // a is now most recent
  EXPECT_TRUE(t.check_and_record("c", 1));  // evicts b
  EXPECT_EQ(t.size(), 2u);
  EXPECT_FALSE(t.check_and_record("a", 2));  // a remembered
  EXPECT_FALSE(t.check_and_record("c", 1));  // c remembered
  EXPECT_TRUE(t.check_and_record("b", 1));   // b forgotten: the documented trade-off
  EXPECT_EQ(t.size(), 2u);
  EXPECT_THROW(NonceCountTracker(0), std::invalid_argument);
}

TEST(HttpAuthTracker, OutOfOrderIsRefused) {
  NonceCountTracker t(4);
  EXPECT_TRUE(t.check_and_record("n", 3));
  EXPECT_FALSE(t.check_and_record("n", 2));
  EXPECT_TRUE(t.check_and_record("n", 4));
}

// ------------------------------------------------------------------------------- parsing

TEST(HttpAuthParse, CaseInsensitiveSchemeNamesAndValues) {
  const auto sel = parse_www_authenticate(
      "dIgEsT REALM=\"r\", NONCE=abc, QoP=\"AUTH\", ALGORITHM=sha-256-SESS, Stale=TRUE");
  ASSERT_TRUE(sel.ok()) << to_string(sel.error());
  EXPECT_EQ(sel->digest.realm, "r");
  EXPECT_EQ(sel->digest.nonce, "abc");
  EXPECT_EQ(sel->digest.qop, Qop::kAuth);
  EXPECT_EQ(sel->digest.algorithm, DigestAlgorithm::kSha256Sess);
  EXPECT_TRUE(sel->digest.stale);
}

TEST(HttpAuthParse, UnquotedValuesSpacesAndEmptyElements) {
  const auto sel = parse_www_authenticate(
      "  ,Digest   ,, realm = \"r r\" ,,, nonce =  ab/c+d==  ,opaque=, qop=auth ,  ");
  ASSERT_TRUE(sel.ok()) << to_string(sel.error());
  EXPECT_EQ(sel->digest.realm, "r r");
  EXPECT_EQ(sel->digest.nonce, "ab/c+d==");
  EXPECT_EQ(sel->digest.opaque, "");
  EXPECT_EQ(sel->digest.qop, Qop::kAuth);
  EXPECT_FALSE(sel->digest.algorithm_explicit);
  EXPECT_EQ(sel->digest.algorithm, DigestAlgorithm::kMd5);
}

TEST(HttpAuthParse, QuotedStringEscapesAndCommas) {
  const auto parsed = parse_challenges(R"(Digest realm="a\"b\\c, d", nonce="x,y")");
  ASSERT_TRUE(parsed.ok());
  ASSERT_EQ(parsed->size(), 1u);
  EXPECT_EQ(*(*parsed)[0].find("realm"), "a\"b\\c, d");
  EXPECT_EQ(*(*parsed)[0].find("nonce"), "x,y");
}

TEST(HttpAuthParse, MissingCommaBetweenParamsTolerated) {
  const auto sel = parse_www_authenticate("Digest realm=\"r\" nonce=\"n\"\tqop=auth");
  ASSERT_TRUE(sel.ok());
  EXPECT_EQ(sel->digest.realm, "r");
  EXPECT_EQ(sel->digest.nonce, "n");
  EXPECT_EQ(sel->digest.qop, Qop::kAuth);
}

TEST(HttpAuthParse, SeveralChallengesRfc7235Example) {
  const auto parsed = parse_challenges(
      R"(Newauth realm="apps", type=1, title="Login to \"apps\"", Basic realm="simple")");
  ASSERT_TRUE(parsed.ok());
  ASSERT_EQ(parsed->size(), 2u);
  EXPECT_EQ((*parsed)[0].scheme, "newauth");
  EXPECT_EQ((*parsed)[0].params.size(), 3u);
  EXPECT_EQ(*(*parsed)[0].find("title"), "Login to \"apps\"");
  EXPECT_EQ((*parsed)[1].scheme, "basic");
  const auto sel = parse_www_authenticate(
      R"(Newauth realm="apps", type=1, title="Login to \"apps\"", Basic realm="simple")");
  ASSERT_TRUE(sel.ok());
  EXPECT_EQ(sel->scheme, SelectedChallenge::Scheme::kBasic);
  EXPECT_EQ(sel->realm, "simple");
}

TEST(HttpAuthParse, DigestPreferredAndSha256PreferredOverMd5) {
  const auto sel = parse_www_authenticate(
      "Basic realm=\"b\", Digest realm=\"m\", nonce=\"1\", algorithm=MD5-sess, qop=auth, "
      "Digest realm=\"x\", nonce=\"2\", algorithm=MD5, Negotiate, "
      "Digest realm=\"s\", nonce=\"3\", algorithm=SHA-256, qop=\"auth-int,auth\", "
      "Digest realm=\"t\", nonce=\"4\", algorithm=SHA-512-256, qop=auth");
  ASSERT_TRUE(sel.ok());
  EXPECT_EQ(sel->scheme, SelectedChallenge::Scheme::kDigest);
  EXPECT_EQ(sel->digest.nonce, "3");
  EXPECT_EQ(sel->realm, "s");
  // Without the SHA-256 one, plain MD5 beats MD5-sess.
  const auto md5 = parse_www_authenticate(
      "Digest realm=\"m\", nonce=\"1\", algorithm=MD5-sess, qop=auth, "
      "Digest realm=\"x\", nonce=\"2\", algorithm=MD5");
  ASSERT_TRUE(md5.ok());
  EXPECT_EQ(md5->digest.nonce, "2");
}

TEST(HttpAuthParse, Token68Challenges) {
  const auto parsed = parse_challenges(
      "Negotiate a87421000492aa874209af8bc028==, Basic, "
      "Bearer abc.def/g+h=, Digest nonce=n");
  ASSERT_TRUE(parsed.ok());
  ASSERT_EQ(parsed->size(), 4u);
  EXPECT_EQ((*parsed)[0].token68, "a87421000492aa874209af8bc028==");
  EXPECT_FALSE((*parsed)[1].token68.has_value());
  EXPECT_EQ((*parsed)[2].token68, "abc.def/g+h=");
  EXPECT_EQ(*(*parsed)[3].find("nonce"), "n");
}

TEST(HttpAuthParse, UnusableDigestChallenges) {
  EXPECT_EQ(parse_www_authenticate("Digest realm=r, nonce=n, algorithm=SHA-512-256").error(),
            ParseError::kUnsupportedAlgorithm);
  EXPECT_EQ(parse_www_authenticate("Digest realm=r, nonce=n, qop=auth-int").error(),
            ParseError::kUnsupportedAlgorithm);
  EXPECT_EQ(parse_www_authenticate("Digest realm=r, nonce=n, algorithm=MD5-sess").error(),
            ParseError::kUnsupportedAlgorithm);  // -sess needs qop
  EXPECT_EQ(parse_www_authenticate("Digest realm=r").error(), ParseError::kMissingParam);
  EXPECT_EQ(parse_www_authenticate("Digest realm=r, nonce=\"\"").error(),
            ParseError::kMissingParam);
  EXPECT_EQ(parse_www_authenticate("Digest realm=r, nonce=a, nonce=b").error(),
            ParseError::kMalformed);
  EXPECT_EQ(parse_www_authenticate("Digest abc==").error(), ParseError::kMalformed);
  EXPECT_EQ(parse_www_authenticate("Negotiate abc, NTLM").error(), ParseError::kNoSupportedScheme);
  EXPECT_EQ(parse_www_authenticate("").error(), ParseError::kNoSupportedScheme);
  // A usable challenge next to an unusable one is still found.
  const auto sel = parse_www_authenticate(
      "Digest realm=r, nonce=n, algorithm=SHA-512-256, Digest realm=r, nonce=m");
  ASSERT_TRUE(sel.ok());
  EXPECT_EQ(sel->digest.nonce, "m");
}

TEST(HttpAuthParse, SyntaxErrors) {
  for (const std::string_view bad : {
           "Digest realm=\"unterminated",
           "Digest realm=\"ends in backslash\\",
           "realm=\"param before scheme\"",
           "Digest\"x\"",
           "Digest @@@",
           "Digest realm=r, =x",
           "Basic abc def",
           "\"quoted\"",
           "Digest realm=r, nonce=n, ;",
       }) {
    const auto parsed = parse_challenges(bad);
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.error(), ParseError::kMalformed) << bad;
  }
}

TEST(HttpAuthParse, LengthLimit) {
  std::string header = "Digest realm=r, nonce=\"";
  header += std::string(kMaxHeaderValueSize - header.size() - 1, 'n');
  header += '"';
  ASSERT_EQ(header.size(), kMaxHeaderValueSize);
  EXPECT_TRUE(parse_www_authenticate(header).ok());
  EXPECT_TRUE(parse_challenges(header).ok());
  header += ' ';
  EXPECT_EQ(parse_www_authenticate(header).error(), ParseError::kTooLong);
  EXPECT_EQ(parse_digest_authorization(header).error(), ParseError::kTooLong);
  EXPECT_FALSE(parse_basic_authorization("Basic " + std::string(kMaxHeaderValueSize, 'A')));
}

TEST(HttpAuthParse, ParamCountLimit) {
  std::string header = "Digest realm=r, nonce=n";
  for (std::size_t k = 2; k < kMaxAuthParams; ++k) header += ", x" + std::to_string(k) + "=v";
  EXPECT_TRUE(parse_www_authenticate(header).ok());  // exactly 32
  header += ", one=more";
  EXPECT_EQ(parse_www_authenticate(header).error(), ParseError::kTooManyParams);
  // The bound is per header value, across challenges.
  std::string many;
  for (std::size_t k = 0; k <= kMaxAuthParams; ++k)
    many += "Basic realm=r" + std::to_string(k) + ", ";
  EXPECT_EQ(parse_challenges(many).error(), ParseError::kTooManyParams);
}

TEST(HttpAuthParse, EveryTruncationIsHandled) {
  const std::string header =
      "Digest realm=\"http-auth@example.org\", qop=\"auth, auth-int\", algorithm=SHA-256, "
      "nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\"";
  int ok = 0;
  int malformed = 0;
  for (std::size_t n = 0; n <= header.size(); ++n) {
    const auto sel = parse_www_authenticate(std::string_view(header).substr(0, n));
    if (sel.ok()) {
      ++ok;
      EXPECT_EQ(sel->scheme, SelectedChallenge::Scheme::kDigest);
    } else if (sel.error() == ParseError::kMalformed) {
      ++malformed;
    }
  }
  // Truncated inside a quoted string: malformed; after the closing quote of the nonce: usable.
  EXPECT_GT(malformed, 40);
  EXPECT_GE(ok, 1);
  EXPECT_TRUE(parse_www_authenticate(header).ok());
}

TEST(HttpAuthParse, GarbageNeverBreaksInvariants) {
  // A small deterministic fuzz loop (the real fuzzer lives in fuzz/): random bytes drawn mostly
  // from the grammar's own alphabet. Whatever comes back must respect the documented shape.
  const std::string alphabet = "Digest Basic realm=\"\\,= \t\r\nabcXYZ019+/-_~.'!#";
  std::uint32_t state = 12345;
  const auto next = [&state] {
    state = state * 1103515245u + 12345u;
    return state >> 16;
  };
  int parsed_ok = 0;
  for (int round = 0; round < 3000; ++round) {
    std::string s;
    const std::size_t len = next() % 120;
    for (std::size_t k = 0; k < len; ++k) {
      s.push_back(next() % 8 == 0 ? static_cast<char>(next() & 0xFF)
                                  : alphabet[next() % alphabet.size()]);
    }
    const auto parsed = parse_challenges(s);
    if (parsed.ok()) {
      ++parsed_ok;
      std::size_t params = 0;
      for (const auto& c : *parsed) {
        EXPECT_FALSE(c.scheme.empty()) << s;
        for (const char ch : c.scheme) EXPECT_FALSE(ch >= 'A' && ch <= 'Z') << s;
        for (const auto& p : c.params) {
          EXPECT_FALSE(p.name.empty()) << s;
          for (const char ch : p.name) EXPECT_FALSE(ch >= 'A' && ch <= 'Z') << s;
        }
        params += c.params.size();
      }
      EXPECT_LE(params, kMaxAuthParams);
    }
    // These must simply return; their results are checked elsewhere.
    (void)parse_www_authenticate(s);
    (void)parse_digest_authorization(s);
    (void)parse_basic_authorization(s);
  }
  EXPECT_GT(parsed_ok, 100);  // the generator does exercise the success paths
}

// ------------------------------------------------------------------------------- Authorization

TEST(HttpAuthAuthorization, MissingAndInvalidFields) {
  const std::string base = "Digest username=u, realm=r, nonce=n, uri=/, response=abcdef";
  ASSERT_TRUE(parse_digest_authorization(base).ok());
  EXPECT_EQ(parse_digest_authorization("Digest realm=r, nonce=n, uri=/, response=ab").error(),
            ParseError::kMissingParam);
  EXPECT_EQ(parse_digest_authorization("Digest username=u, nonce=n, uri=/, response=ab").error(),
            ParseError::kMissingParam);
  EXPECT_EQ(parse_digest_authorization("Digest username=u, realm=r, nonce=n, uri=/").error(),
            ParseError::kMissingParam);
  EXPECT_EQ(parse_digest_authorization(base + ", qop=auth, nc=00000001").error(),
            ParseError::kMissingParam);  // no cnonce
  EXPECT_EQ(parse_digest_authorization(base + ", qop=auth, cnonce=c").error(),
            ParseError::kMissingParam);  // no nc
  EXPECT_EQ(parse_digest_authorization(base + ", qop=auth, cnonce=c, nc=0000000g").error(),
            ParseError::kMalformed);
  EXPECT_EQ(parse_digest_authorization(base + ", qop=auth, cnonce=c, nc=000000001").error(),
            ParseError::kMalformed);
  EXPECT_EQ(parse_digest_authorization(base + ", qop=auth, cnonce=\"\", nc=1").error(),
            ParseError::kMalformed);
  EXPECT_EQ(parse_digest_authorization(base + ", qop=auth-int, cnonce=c, nc=1").error(),
            ParseError::kUnsupportedAlgorithm);
  EXPECT_EQ(parse_digest_authorization(base + ", algorithm=SHA-512-256").error(),
            ParseError::kUnsupportedAlgorithm);
  EXPECT_EQ(parse_digest_authorization(base + ", algorithm=MD5-sess").error(),
            ParseError::kMalformed);  // -sess without qop
  EXPECT_EQ(parse_digest_authorization(base + ", response=abcdef").error(),
            ParseError::kMalformed);  // duplicate
  EXPECT_EQ(parse_digest_authorization("Digest username=u, realm=r, nonce=n, uri=/, response=xyz")
                .error(),
            ParseError::kMalformed);  // not hex
  EXPECT_EQ(parse_digest_authorization(base + ", Digest username=v").error(),
            ParseError::kMalformed);  // two credentials
  EXPECT_EQ(parse_digest_authorization("Basic dTpw").error(), ParseError::kNoSupportedScheme);
  EXPECT_EQ(parse_digest_authorization("").error(), ParseError::kNoSupportedScheme);
}

TEST(HttpAuthAuthorization, TolerantForms) {
  // Quoted nc and qop, upper-case hex, short nc, absolute uri: all seen from real devices.
  const auto c = parse_digest_authorization(
      "DIGEST Username=\"u\",Realm=\"r\",Nonce=\"n\",Uri=\"http://h/x\",QOP=\"auth\","
      "NC=\"0000000A\",CNonce=\"c\",Response=\"ABCDEF\",Algorithm=\"md5\"");
  ASSERT_TRUE(c.ok()) << to_string(c.error());
  EXPECT_EQ(c->nc, "0000000A");  // hashed as sent
  EXPECT_EQ(c->nc_value, 10u);
  EXPECT_EQ(c->response, "abcdef");
  EXPECT_EQ(c->uri, "http://h/x");
  EXPECT_EQ(parse_digest_authorization("Digest username=u, realm=r, nonce=n, uri=/, "
                                       "response=ab, qop=auth, cnonce=c, nc=1f")
                ->nc_value,
            31u);
}

TEST(HttpAuthAuthorization, ExtendedUsername) {
  const std::string rest = ", realm=r, nonce=n, uri=/, response=ab";
  const auto c = parse_digest_authorization("Digest username*=UTF-8''J%C3%A4s%C3%B8n%20Doe" + rest);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->username, "J\xC3\xA4s\xC3\xB8n Doe");
  EXPECT_EQ(parse_digest_authorization("Digest username*=UTF-8'en'a%2" + rest).error(),
            ParseError::kMalformed);
  EXPECT_EQ(parse_digest_authorization("Digest username*=ISO-8859-1''a" + rest).error(),
            ParseError::kMalformed);
  EXPECT_EQ(parse_digest_authorization("Digest username=a, username*=UTF-8''a" + rest).error(),
            ParseError::kMalformed);  // RFC 7616 §3.4: not both
}

// ------------------------------------------------------------------------------- Basic

TEST(HttpAuthBasic, RoundTrip) {
  EXPECT_EQ(basic_authorization("Aladdin", "open sesame"), "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
  for (const auto& [user, pass] :
       std::vector<std::pair<std::string, std::string>>{{"Aladdin", "open sesame"},
                                                        {"cpe", ""},
                                                        {"", ""},
                                                        {"u", "pa:ss:word"},
                                                        {"J\xC3\xA4s\xC3\xB8n", "p\xC3\xA4ss"}}) {
    const auto parsed = parse_basic_authorization(basic_authorization(user, pass));
    ASSERT_TRUE(parsed.has_value()) << user;
    EXPECT_EQ(parsed->username, user);
    EXPECT_EQ(parsed->password, pass);
    EXPECT_TRUE(basic_matches(*parsed, user, pass));
    EXPECT_FALSE(basic_matches(*parsed, user, pass + "x"));
    EXPECT_FALSE(basic_matches(*parsed, user + "x", pass));
  }
}

TEST(HttpAuthBasic, TolerantOfCaseAndSpaces) {
  for (const std::string_view h :
       {"basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==", "BASIC   QWxhZGRpbjpvcGVuIHNlc2FtZQ==  ",
        "  Basic\tQWxhZGRpbjpvcGVuIHNlc2FtZQ=="}) {
    const auto parsed = parse_basic_authorization(h);
    ASSERT_TRUE(parsed.has_value()) << h;
    EXPECT_EQ(parsed->username, "Aladdin");
    EXPECT_EQ(parsed->password, "open sesame");
  }
}

TEST(HttpAuthBasic, Malformed) {
  for (const std::string_view h : {
           "",
           "Basic",
           "Basic ",
           "BasicQWxhZGRpbjpvcGVuIHNlc2FtZQ==",  // no space after the scheme
           "Digest QWxhZGRpbjpvcGVuIHNlc2FtZQ==",
           "Basic QWxhZGRpbg==",                // "Aladdin": no colon
           "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ",  // unpadded
           "Basic !!!!",
           "Basic QWxh ZGRp bjpv cGVu IHNl c2Ft ZQ== extra",
       }) {
    EXPECT_FALSE(parse_basic_authorization(h).has_value()) << h;
  }
}

TEST(HttpAuthPrimitives, ConstantTimeEquals) {
  EXPECT_TRUE(constant_time_equals("", ""));
  EXPECT_TRUE(constant_time_equals("abc", "abc"));
  EXPECT_FALSE(constant_time_equals("abc", "abd"));
  EXPECT_FALSE(constant_time_equals("abc", "ab"));
  EXPECT_FALSE(constant_time_equals("", "a"));
}

TEST(HttpAuthPrimitives, AlgorithmNames) {
  for (const auto a : {DigestAlgorithm::kMd5, DigestAlgorithm::kMd5Sess, DigestAlgorithm::kSha256,
                       DigestAlgorithm::kSha256Sess}) {
    EXPECT_EQ(parse_digest_algorithm(to_string(a)), a);
  }
  EXPECT_EQ(parse_digest_algorithm("sha-256"), DigestAlgorithm::kSha256);
  EXPECT_FALSE(parse_digest_algorithm("SHA256").has_value());
  EXPECT_FALSE(parse_digest_algorithm("SHA-512-256").has_value());
  EXPECT_TRUE(is_session_algorithm(DigestAlgorithm::kMd5Sess));
  EXPECT_FALSE(is_session_algorithm(DigestAlgorithm::kSha256));
}

}  // namespace
}  // namespace cwmp::auth
