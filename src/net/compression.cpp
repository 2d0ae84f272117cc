#include "net/compression.hpp"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <stdexcept>

namespace net {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// zlib window bits: 15 = zlib wrapper, 15+16 = gzip wrapper, -15 = raw deflate.
constexpr int kZlibWindow = 15;
constexpr int kGzipWindow = 15 + 16;
constexpr int kRawWindow = -15;

Decompressed inflate_with(std::string_view input, int window_bits, std::size_t max_output) {
  z_stream zs{};
  if (inflateInit2(&zs, window_bits) != Z_OK) return {DecompressStatus::kCorrupt, {}};
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(input.data()));
  zs.avail_in = static_cast<uInt>(input.size());

  std::string out;
  std::array<char, 16384> chunk{};
  int rc = Z_OK;
  Decompressed result;
  while (true) {
    zs.next_out = reinterpret_cast<Bytef*>(chunk.data());
    zs.avail_out = static_cast<uInt>(chunk.size());
    rc = inflate(&zs, Z_NO_FLUSH);
    const std::size_t produced = chunk.size() - zs.avail_out;
    if (out.size() + produced > max_output) {
      result.status = DecompressStatus::kTooLarge;
      break;
    }
    out.append(chunk.data(), produced);
    if (rc == Z_STREAM_END) {
      // Bytes after the end of the stream are not ours to ignore.
      result.status = zs.avail_in == 0 ? DecompressStatus::kOk : DecompressStatus::kCorrupt;
      break;
    }
    if (rc != Z_OK) {  // Z_BUF_ERROR here means truncated input
      result.status = DecompressStatus::kCorrupt;
      break;
    }
  }
  inflateEnd(&zs);
  if (result.status == DecompressStatus::kOk) result.data = std::move(out);
  return result;
}

}  // namespace

std::optional<ContentCoding> parse_content_coding(std::string_view value) {
  value = trim(value);
  if (value.empty() || iequals(value, "identity")) return ContentCoding::kIdentity;
  if (iequals(value, "gzip") || iequals(value, "x-gzip")) return ContentCoding::kGzip;
  if (iequals(value, "deflate")) return ContentCoding::kDeflate;
  return std::nullopt;
}

Decompressed decompress(std::string_view input, ContentCoding coding, std::size_t max_output) {
  // zlib counts in uInt; a body that large is refused anyway.
  if (input.size() > 0xFFFFFFFFu) return {DecompressStatus::kTooLarge, {}};
  switch (coding) {
    case ContentCoding::kIdentity:
      if (input.size() > max_output) return {DecompressStatus::kTooLarge, {}};
      return {DecompressStatus::kOk, std::string(input)};
    case ContentCoding::kGzip:
      return inflate_with(input, kGzipWindow, max_output);
    case ContentCoding::kDeflate: {
      // A zlib stream starts with a CMF byte whose low nibble is 8 and a header whose
      // 16-bit value is a multiple of 31 (RFC 1950 §2.2); anything else is raw deflate.
      const bool zlib_header =
          input.size() >= 2 && (static_cast<unsigned char>(input[0]) & 0x0F) == 8 &&
          ((static_cast<unsigned char>(input[0]) << 8) | static_cast<unsigned char>(input[1])) %
                  31 ==
              0;
      return inflate_with(input, zlib_header ? kZlibWindow : kRawWindow, max_output);
    }
  }
  return {DecompressStatus::kCorrupt, {}};
}

std::string compress(std::string_view input, ContentCoding coding, int level) {
  if (coding == ContentCoding::kIdentity) return std::string(input);
  z_stream zs{};
  const int window = coding == ContentCoding::kGzip ? kGzipWindow : kZlibWindow;
  if (deflateInit2(&zs, level, Z_DEFLATED, window, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    throw std::runtime_error("deflateInit2 failed");
  }
  std::string out(deflateBound(&zs, static_cast<uLong>(input.size())), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(input.data()));
  zs.avail_in = static_cast<uInt>(input.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) throw std::runtime_error("deflate failed");
  return out;
}

}  // namespace net
