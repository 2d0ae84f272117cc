// HTTP content codings (RFC 9110 §8.4.1): gzip and deflate, via zlib. Pure: no I/O.
//
// Decompression is bounded: the output never grows beyond the caller's limit, so a small
// "zip bomb" costs at most that much memory and is reported as kTooLarge (HTTP 413).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace net {

enum class ContentCoding { kIdentity, kGzip, kDeflate };

// Maps a Content-Encoding value to a coding: "gzip"/"x-gzip", "deflate", "identity" or
// empty. Case-insensitive, surrounding spaces ignored. nullopt for anything else
// (including lists of several codings, which no CPE sends).
std::optional<ContentCoding> parse_content_coding(std::string_view value);

enum class DecompressStatus { kOk, kTooLarge, kCorrupt };

struct Decompressed {
  DecompressStatus status = DecompressStatus::kOk;
  std::string data;  // the output when status == kOk, empty otherwise
};

// Decodes `input`. For kDeflate both the zlib format (RFC 1950, what the RFC means) and
// raw deflate (RFC 1951, what some clients send) are accepted. Trailing garbage after the
// end of the stream is kCorrupt. kIdentity copies (and still enforces max_output).
Decompressed decompress(std::string_view input, ContentCoding coding, std::size_t max_output);

// Encodes `input` (gzip, or zlib-format deflate). Used by clients and tests.
std::string compress(std::string_view input, ContentCoding coding, int level = 6);

}  // namespace net
