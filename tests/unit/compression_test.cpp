#include "net/compression.hpp"

#include <gtest/gtest.h>

#include <string>

namespace {

using net::compress;
using net::ContentCoding;
using net::decompress;
using net::DecompressStatus;

std::string sample() {
  std::string s;
  for (int i = 0; i < 2000; ++i) s += "<cwmp:Inform>" + std::to_string(i) + "</cwmp:Inform>\n";
  return s;
}

TEST(Compression, ParsesContentCoding) {
  EXPECT_EQ(net::parse_content_coding("gzip"), ContentCoding::kGzip);
  EXPECT_EQ(net::parse_content_coding(" X-GZIP "), ContentCoding::kGzip);
  EXPECT_EQ(net::parse_content_coding("Deflate"), ContentCoding::kDeflate);
  EXPECT_EQ(net::parse_content_coding("identity"), ContentCoding::kIdentity);
  EXPECT_EQ(net::parse_content_coding(""), ContentCoding::kIdentity);
  EXPECT_EQ(net::parse_content_coding("br"), std::nullopt);
  EXPECT_EQ(net::parse_content_coding("gzip, deflate"), std::nullopt);
}

TEST(Compression, GzipRoundTrip) {
  const std::string in = sample();
  const std::string packed = compress(in, ContentCoding::kGzip);
  ASSERT_LT(packed.size(), in.size());
  ASSERT_EQ(static_cast<unsigned char>(packed[0]), 0x1f);  // gzip magic
  const auto out = decompress(packed, ContentCoding::kGzip, in.size());
  ASSERT_EQ(out.status, DecompressStatus::kOk);
  EXPECT_EQ(out.data, in);
}

TEST(Compression, DeflateZlibAndRawRoundTrip) {
  const std::string in = sample();
  const std::string zlib = compress(in, ContentCoding::kDeflate);
  auto out = decompress(zlib, ContentCoding::kDeflate, in.size());
  ASSERT_EQ(out.status, DecompressStatus::kOk);
  EXPECT_EQ(out.data, in);
  // Raw deflate, as some clients send for "deflate": the zlib stream without its 2-byte
  // header and 4-byte Adler-32 trailer.
  const std::string raw = zlib.substr(2, zlib.size() - 6);
  out = decompress(raw, ContentCoding::kDeflate, in.size());
  ASSERT_EQ(out.status, DecompressStatus::kOk);
  EXPECT_EQ(out.data, in);
}

TEST(Compression, EmptyInputCompresses) {
  const auto out = decompress(compress("", ContentCoding::kGzip), ContentCoding::kGzip, 0);
  ASSERT_EQ(out.status, DecompressStatus::kOk);
  EXPECT_EQ(out.data, "");
}

TEST(Compression, ZipBombStopsAtLimit) {
  const std::string zeros(16 * 1024 * 1024, '\0');
  const std::string bomb = compress(zeros, ContentCoding::kGzip, 9);
  ASSERT_LT(bomb.size(), 32 * 1024u);
  const auto out = decompress(bomb, ContentCoding::kGzip, 1024 * 1024);
  EXPECT_EQ(out.status, DecompressStatus::kTooLarge);
  EXPECT_TRUE(out.data.empty());
}

TEST(Compression, ExactLimitIsAccepted) {
  const std::string in(1000, 'a');
  EXPECT_EQ(decompress(compress(in, ContentCoding::kGzip), ContentCoding::kGzip, 1000).status,
            DecompressStatus::kOk);
  EXPECT_EQ(decompress(compress(in, ContentCoding::kGzip), ContentCoding::kGzip, 999).status,
            DecompressStatus::kTooLarge);
  EXPECT_EQ(decompress(in, ContentCoding::kIdentity, 999).status, DecompressStatus::kTooLarge);
}

TEST(Compression, CorruptTruncatedAndTrailingGarbageAreRefused) {
  const std::string packed = compress(sample(), ContentCoding::kGzip);
  EXPECT_EQ(decompress("not gzip at all", ContentCoding::kGzip, 1 << 20).status,
            DecompressStatus::kCorrupt);
  EXPECT_EQ(decompress(packed.substr(0, packed.size() / 2), ContentCoding::kGzip, 1 << 20).status,
            DecompressStatus::kCorrupt);
  EXPECT_EQ(decompress(packed + "junk", ContentCoding::kGzip, 1 << 20).status,
            DecompressStatus::kCorrupt);
  std::string flipped = packed;
  flipped[flipped.size() - 6] = static_cast<char>(flipped[flipped.size() - 6] ^ 0xFF);  // CRC
  EXPECT_EQ(decompress(flipped, ContentCoding::kGzip, 1 << 20).status, DecompressStatus::kCorrupt);
}

}  // namespace
