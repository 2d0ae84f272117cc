#include "cwmp/xml_writer.hpp"

#include <charconv>

namespace cwmp::detail {

namespace {

// Printable ASCII other than the three markup characters is written as is;
// TAB and LF too (they survive parsing unchanged).
constexpr bool is_plain(unsigned char c) {
  return (c >= 0x20 && c < 0x7f && c != '&' && c != '<' && c != '>') || c == '\t' || c == '\n';
}

void append_char_ref(std::string& out, std::uint32_t code_point) {
  char buf[16];
  buf[0] = '&';
  buf[1] = '#';
  auto [end, ec] = std::to_chars(buf + 2, buf + sizeof(buf) - 1, code_point);
  *end++ = ';';
  out.append(buf, end);
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

void XmlWriter::indent() {
  if (!pretty_) return;
  if (!out_.empty()) out_.push_back('\n');
  out_.append(std::size_t{depth_} * 2, ' ');
}

void XmlWriter::open(std::string_view name, std::string_view attrs) {
  indent();
  out_.push_back('<');
  out_.append(name);
  if (!attrs.empty()) {
    out_.push_back(' ');
    out_.append(attrs);
  }
  out_.push_back('>');
  ++depth_;
}

void XmlWriter::close(std::string_view name) {
  --depth_;
  indent();
  out_.append("</");
  out_.append(name);
  out_.push_back('>');
}

void XmlWriter::empty(std::string_view name, std::string_view attrs) {
  indent();
  out_.push_back('<');
  out_.append(name);
  if (!attrs.empty()) {
    out_.push_back(' ');
    out_.append(attrs);
  }
  out_.append("/>");
}

void XmlWriter::text_element(std::string_view name, std::string_view text,
                             std::string_view attrs) {
  indent();
  out_.push_back('<');
  out_.append(name);
  if (!attrs.empty()) {
    out_.push_back(' ');
    out_.append(attrs);
  }
  out_.push_back('>');
  escaped(text);
  out_.append("</");
  out_.append(name);
  out_.push_back('>');
}

void XmlWriter::open_array(std::string_view name, std::string_view item_type, std::size_t count) {
  indent();
  out_.push_back('<');
  out_.append(name);
  out_.append(" soap-enc:arrayType=\"");
  out_.append(item_type);
  out_.push_back('[');
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), count);
  out_.append(buf, end);
  out_.append("]\">");
  ++depth_;
}

void XmlWriter::escaped(std::string_view text) {
  std::size_t run_start = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (is_plain(c)) {
      ++i;
      continue;
    }
    out_.append(text.data() + run_start, i - run_start);
    if (c == '&') {
      out_.append("&amp;");
      ++i;
    } else if (c == '<') {
      out_.append("&lt;");
      ++i;
    } else if (c == '>') {
      out_.append("&gt;");
      ++i;
    } else if (c == '\r') {
      append_char_ref(out_, c);  // a raw CR would be normalised away by the parser
      ++i;
    } else if (c < 0x20 || c == 0x7f) {
      if (c == 0x7f) {
        append_char_ref(out_, c);
        ++i;
      } else {
        fail("control character U+" + std::to_string(c) + " cannot be carried in XML 1.0");
        return;
      }
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
      append_char_ref(out_, cp);
      i += len;
    }
    run_start = i;
  }
  out_.append(text.data() + run_start, text.size() - run_start);
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
