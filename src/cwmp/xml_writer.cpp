#include "cwmp/xml_writer.hpp"

#include <algorithm>
#include <charconv>
#include <cstring>

namespace cwmp::detail {

namespace {

// Printable ASCII other than the three markup characters is written as is;
// TAB and LF too (they survive parsing unchanged).
constexpr bool is_plain_char(unsigned char c) {
  return (c >= 0x20 && c < 0x7f && c != '&' && c != '<' && c != '>') || c == '\t' || c == '\n';
}

struct PlainTable {
  bool plain[256];
  constexpr PlainTable() : plain() {
    for (int c = 0; c < 256; ++c) plain[c] = is_plain_char(static_cast<unsigned char>(c));
  }
};
constexpr PlainTable kPlain;

constexpr bool is_plain(unsigned char c) {
  return kPlain.plain[c];
}

// True when some byte of v is zero (the classic SWAR test).
constexpr bool has_zero_byte(std::uint64_t v) {
  return ((v - 0x0101010101010101ULL) & ~v & 0x8080808080808080ULL) != 0;
}
constexpr std::uint64_t kOnes = 0x0101010101010101ULL;

// True when all 8 bytes are printable ASCII other than & < > (DEL excluded).
bool chunk_is_plain(std::uint64_t v) {
  if ((v & 0x8080808080808080ULL) != 0) return false;                   // >= 0x80
  if (((v - kOnes * 0x20) & 0x8080808080808080ULL) != 0) return false;  // < 0x20
  return !has_zero_byte(v ^ (kOnes * '&')) && !has_zero_byte(v ^ (kOnes * '<')) &&
         !has_zero_byte(v ^ (kOnes * '>')) && !has_zero_byte(v ^ (kOnes * 0x7f));
}

// Length of the leading run of `text` that needs no escaping; 8 bytes a step.
std::size_t plain_prefix(std::string_view text) {
  std::size_t i = 0;
  for (; i + 8 <= text.size(); i += 8) {
    std::uint64_t v;
    std::memcpy(&v, text.data() + i, 8);
    if (!chunk_is_plain(v)) break;
  }
  while (i < text.size() && is_plain(static_cast<unsigned char>(text[i]))) ++i;
  return i;
}

std::string_view char_ref(char (&buf)[16], std::uint32_t code_point) {
  buf[0] = '&';
  buf[1] = '#';
  auto [end, ec] = std::to_chars(buf + 2, buf + sizeof(buf) - 1, code_point);
  *end++ = ';';
  return std::string_view(buf, std::size_t(end - buf));
}

// Decodes one UTF-8 sequence at text[i]; returns its length, 0 when invalid.
std::size_t decode_utf8(std::string_view text, std::size_t i, std::uint32_t& cp) {
  const auto b0 = static_cast<unsigned char>(text[i]);
  std::size_t len;
  std::uint32_t min;
  if (b0 >= 0xf0 && b0 <= 0xf4) {
    len = 4, cp = b0 & 0x07u, min = 0x10000;
  } else if (b0 >= 0xe0) {
    len = 3, cp = b0 & 0x0fu, min = 0x800;
  } else if (b0 >= 0xc2 && b0 <= 0xdf) {
    len = 2, cp = b0 & 0x1fu, min = 0x80;
  } else {
    return 0;
  }
  if (b0 > 0xf4 || i + len > text.size()) return 0;
  for (std::size_t k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(text[i + k]);
    if ((b & 0xc0u) != 0x80u) return 0;
    cp = (cp << 6) | (b & 0x3fu);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  return len;
}

}  // namespace

void XmlWriter::grow(std::size_t n) {
  // Grow geometrically, never by less than 4 KiB: a whole envelope usually
  // fits in one or two steps. finish() trims the excess.
  out_.resize(std::max({out_.size() * 2, pos_ + n, pos_ + 4096}));
}

void XmlWriter::indent() {
  if (!pretty_) return;
  if (pos_ != 0) put('\n');
  const std::size_t n = std::size_t{depth_} * 2;
  std::memset(room(n), ' ', n);
  pos_ += n;
}

void XmlWriter::start_tag(std::string_view name, std::string_view attrs, bool self_closing) {
  indent();
  char* p = room(name.size() + attrs.size() + 4);
  *p++ = '<';
  std::memcpy(p, name.data(), name.size());
  p += name.size();
  if (!attrs.empty()) {
    *p++ = ' ';
    std::memcpy(p, attrs.data(), attrs.size());
    p += attrs.size();
  }
  if (self_closing) *p++ = '/';
  *p++ = '>';
  pos_ = std::size_t(p - out_.data());
}

void XmlWriter::open(std::string_view name, std::string_view attrs) {
  start_tag(name, attrs, false);
  ++depth_;
}

void XmlWriter::close(std::string_view name) {
  --depth_;
  indent();
  char* p = room(name.size() + 3);
  *p++ = '<';
  *p++ = '/';
  std::memcpy(p, name.data(), name.size());
  p += name.size();
  *p++ = '>';
  pos_ = std::size_t(p - out_.data());
}

void XmlWriter::empty(std::string_view name, std::string_view attrs) {
  start_tag(name, attrs, true);
}

void XmlWriter::text_element(std::string_view name, std::string_view text, std::string_view attrs) {
  if (plain_prefix(text) != text.size()) {
    start_tag(name, attrs, false);
    escaped(text);
    const bool pretty = pretty_;
    pretty_ = false;  // the end tag goes on the same line
    ++depth_;
    close(name);
    pretty_ = pretty;
    return;
  }
  // Fast path (nearly every element): one capacity check, five copies.
  indent();
  char* p = room(2 * name.size() + attrs.size() + text.size() + 6);
  *p++ = '<';
  std::memcpy(p, name.data(), name.size());
  p += name.size();
  if (!attrs.empty()) {
    *p++ = ' ';
    std::memcpy(p, attrs.data(), attrs.size());
    p += attrs.size();
  }
  *p++ = '>';
  std::memcpy(p, text.data(), text.size());
  p += text.size();
  *p++ = '<';
  *p++ = '/';
  std::memcpy(p, name.data(), name.size());
  p += name.size();
  *p++ = '>';
  pos_ = std::size_t(p - out_.data());
}

void XmlWriter::open_array(std::string_view name, std::string_view item_type, std::size_t count) {
  char attrs[96];
  constexpr std::string_view kAttr = "soap-enc:arrayType=\"";
  std::size_t n = 0;
  if (kAttr.size() + item_type.size() + 24 <= sizeof attrs) {
    kAttr.copy(attrs, kAttr.size());
    n = kAttr.size();
    item_type.copy(attrs + n, item_type.size());
    n += item_type.size();
    attrs[n++] = '[';
    auto [end, ec] = std::to_chars(attrs + n, attrs + sizeof attrs - 2, count);
    n = std::size_t(end - attrs);
    attrs[n++] = ']';
    attrs[n++] = '"';
  }
  open(name, std::string_view(attrs, n));
}

void XmlWriter::escaped(std::string_view text) {
  char ref[16];
  std::size_t i = plain_prefix(text);
  put(text.substr(0, i));
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '&') {
      put("&amp;");
      ++i;
    } else if (c == '<') {
      put("&lt;");
      ++i;
    } else if (c == '>') {
      put("&gt;");
      ++i;
    } else if (c == '\r' || c == 0x7f) {
      put(char_ref(ref, c));  // a raw CR would be normalised away by the parser
      ++i;
    } else if (c < 0x20) {
      fail("control character U+" + std::to_string(c) + " cannot be carried in XML 1.0");
      return;
    } else {
      std::uint32_t cp = 0;
      const std::size_t len = decode_utf8(text, i, cp);
      if (len == 0) {
        fail("invalid UTF-8 in text");
        return;
      }
      if (cp == 0xfffe || cp == 0xffff) {
        fail("non-character U+FFFE/U+FFFF cannot be carried in XML 1.0");
        return;
      }
      put(char_ref(ref, cp));
      i += len;
    }
    const std::size_t run = plain_prefix(text.substr(i));
    put(text.substr(i, run));
    i += run;
  }
}

void XmlWriter::fail(std::string message) {
  if (failed_) return;
  failed_ = true;
  error_ = std::move(message);
}

std::size_t utf8_length(std::string_view text) {
  std::size_t n = 0;
  for (const char ch : text) {
    if ((static_cast<unsigned char>(ch) & 0xc0u) != 0x80u) ++n;
  }
  return n;
}

}  // namespace cwmp::detail
