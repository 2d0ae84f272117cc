// decode(bytes) -> Envelope | Error. Lenient about what real devices send (any
// prefixes, default namespaces, missing xsi:type, wrong arrayType counts, BOM,
// CRLF, Latin-1, fields in any order); strict about safety: size, depth, count and
// length limits, no DOCTYPE (so no entity can be declared, let alone expanded).
#include <algorithm>
#include <cstring>

#include "cwmp/codec.hpp"
#include "cwmp/decode_rpc.hpp"
#include "cwmp/xml_reader.hpp"

namespace cwmp {

namespace {

using detail::Children;
using detail::local_name;

constexpr std::string_view kSoapEnvelopeNs = "http://schemas.xmlsoap.org/soap/envelope/";

void line_column(std::string_view bytes, std::size_t offset, Error& error) {
  offset = std::min(offset, bytes.size());
  std::uint32_t line = 1;
  std::size_t line_start = 0;
  for (std::size_t i = 0; i < offset; ++i) {
    if (bytes[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  }
  error.line = line;
  error.column = static_cast<std::uint32_t>(offset - line_start + 1);
}

bool starts_with_utf16_or_32_bom(std::string_view b) {
  auto at = [&](std::size_t i) { return static_cast<unsigned char>(b[i]); };
  if (b.size() >= 2 && ((at(0) == 0xfe && at(1) == 0xff) || (at(0) == 0xff && at(1) == 0xfe))) {
    return true;  // UTF-16 (or UTF-32 LE)
  }
  return b.size() >= 4 && at(0) == 0 && at(1) == 0 && at(2) == 0xfe && at(3) == 0xff;
}

// True when the XML declaration names a single-byte Latin-1 encoding, which
// pugixml converts for us (some CPEs send ISO-8859-1).
bool declares_latin1(std::string_view b) {
  if (b.substr(0, 3) == "\xEF\xBB\xBF") b.remove_prefix(3);
  if (b.substr(0, 5) != "<?xml") return false;
  const std::size_t end = b.find("?>");
  if (end == std::string_view::npos) return false;
  std::string decl(b.substr(0, end));
  std::transform(decl.begin(), decl.end(), decl.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return decl.find("iso-8859-1") != std::string::npos || decl.find("latin1") != std::string::npos;
}

// Finds the first element nested deeper than `limit`. pugixml's traverse() walks
// the tree iteratively (no recursion: 200,000 nested elements cannot blow the
// stack) and inside the library, which is much cheaper than walking it here
// through one out-of-line accessor call per step.
class DepthCheck final : public pugi::xml_tree_walker {
 public:
  explicit DepthCheck(std::uint32_t limit) : limit_(static_cast<int>(limit)) {}
  bool for_each(pugi::xml_node& node) override {
    // depth() is 0 for the root element's level; the Envelope counts as 1.
    if (depth() + 1 <= limit_) return true;
    if (node.type() != pugi::node_element) return true;
    too_deep_ = node;
    return false;  // stop the walk
  }
  pugi::xml_node too_deep() const { return too_deep_; }

 private:
  int limit_;
  pugi::xml_node too_deep_;
};

pugi::xml_node first_element_child(pugi::xml_node node) {
  for (pugi::xml_node c = node.first_child(); c; c = c.next_sibling()) {
    if (c.type() == pugi::node_element) return c;
  }
  return {};
}

}  // namespace

Result<Decoded> decode(std::string_view bytes, const Limits& limits) {
  if (bytes.size() > limits.max_body_bytes) {
    return Error{ErrorKind::kResourcesExceeded, "body of " + std::to_string(bytes.size()) +
                                                    " bytes exceeds the limit of " +
                                                    std::to_string(limits.max_body_bytes)};
  }
  if (detail::trim(bytes).empty()) return Error{ErrorKind::kMalformedXml, "empty document"};

  if (starts_with_utf16_or_32_bom(bytes)) {
    // TR-069 §3.4.1: envelopes are text/xml in UTF-8 (ISO-8859-1 is tolerated).
    return Error{ErrorKind::kInvalidEncoding, "UTF-16/UTF-32 input is not supported; use UTF-8"};
  }
  // XML 1.0 cannot carry U+0000, and pugixml would silently cut a string at it.
  if (const std::size_t nul = bytes.find('\0'); nul != std::string_view::npos) {
    Error e{ErrorKind::kInvalidEncoding, "NUL character in the input"};
    line_column(bytes, nul, e);
    return e;
  }
  const bool latin1 = declares_latin1(bytes);
  if (!latin1 && !is_valid_utf8(bytes)) {
    return Error{ErrorKind::kInvalidEncoding, "input is not valid UTF-8"};
  }

  // parse_doctype keeps a DOCTYPE as a node so that we can refuse it; pugixml
  // never expands entities beyond the five predefined ones and character refs.
  // parse_ws_pcdata_single keeps a whitespace-only value such as <Value> </Value>.
  // parse_embed_pcdata stores a leaf's text in the element itself: fewer nodes
  // to build and to walk (text_of() knows about it).
  constexpr unsigned kParseOptions = pugi::parse_cdata | pugi::parse_escapes | pugi::parse_eol |
                                     pugi::parse_doctype | pugi::parse_ws_pcdata_single |
                                     pugi::parse_embed_pcdata;
  pugi::xml_document doc;
  const pugi::xml_parse_result parsed =
      doc.load_buffer(bytes.data(), bytes.size(), kParseOptions,
                      latin1 ? pugi::encoding_latin1 : pugi::encoding_utf8);
  if (!parsed) {
    Error e{ErrorKind::kMalformedXml,
            std::string("XML is not well-formed: ") + parsed.description()};
    line_column(bytes, static_cast<std::size_t>(parsed.offset), e);
    return e;
  }
  // Top level: one element, no DOCTYPE, no text (pugixml tolerates several roots
  // and trailing text; a well-formed document has neither).
  std::size_t roots = 0;
  for (pugi::xml_node n = doc.first_child(); n; n = n.next_sibling()) {
    const auto type = n.type();
    const char* problem = nullptr;
    ErrorKind kind = ErrorKind::kMalformedXml;
    if (type == pugi::node_doctype) {
      problem = "DOCTYPE is not allowed in a SOAP message";
      kind = ErrorKind::kForbiddenXml;
    } else if (type == pugi::node_element && ++roots > 1) {
      problem = "more than one root element";
    } else if ((type == pugi::node_pcdata || type == pugi::node_cdata) &&
               !detail::trim(n.value()).empty()) {
      problem = "text outside the root element";
    }
    if (problem != nullptr) {
      Error e{kind, problem};
      line_column(bytes, static_cast<std::size_t>(n.offset_debug()), e);
      return e;
    }
  }
  if (roots == 0) return Error{ErrorKind::kMalformedXml, "no root element"};
  // pugixml drops text after the root without a word; a document can only end
  // in markup (the root's end tag, or a comment or PI after it).
  if (const std::string_view rest = detail::trim(bytes); rest.back() != '>') {
    Error e{ErrorKind::kMalformedXml, "text after the root element"};
    line_column(bytes, std::size_t(rest.data() - bytes.data()) + rest.size() - 1, e);
    return e;
  }
  DepthCheck depth(limits.max_depth);
  doc.traverse(depth);
  if (const pugi::xml_node deep = depth.too_deep()) {
    Error e{ErrorKind::kResourcesExceeded,
            "elements nested deeper than the limit of " + std::to_string(limits.max_depth)};
    line_column(bytes, static_cast<std::size_t>(deep.offset_debug()), e);
    return e;
  }

  const pugi::xml_node envelope = doc.document_element();
  Decoded out;
  if (local_name(envelope.name()) != "Envelope") {
    return Error{ErrorKind::kNotSoapEnvelope,
                 "root element is <" + std::string(envelope.name()) + ">, not a SOAP Envelope"};
  }
  const char* env_ns = detail::namespace_of(envelope);
  if (env_ns == nullptr) {
    out.warnings.emplace_back("SOAP Envelope namespace is not declared");
  } else if (env_ns != kSoapEnvelopeNs) {
    return Error{ErrorKind::kNotSoapEnvelope,
                 "Envelope is in namespace '" + std::string(env_ns) + "', not SOAP 1.1"};
  }

  pugi::xml_node header;
  pugi::xml_node body;
  for (pugi::xml_node c = envelope.first_child(); c; c = c.next_sibling()) {
    if (c.type() != pugi::node_element) continue;
    const std::string_view name = local_name(c.name());
    if (name == "Header" && !header) {
      header = c;
    } else if (name == "Body" && !body) {
      body = c;
    }
  }
  if (!body) return Error{ErrorKind::kNotSoapEnvelope, "SOAP Envelope has no Body"};

  detail::RpcDecoder decoder(limits, bytes, out.warnings);
  if (header) decoder.header(header, out.envelope.header);
  if (decoder.failed()) return decoder.take_error();

  const pugi::xml_node rpc = first_element_child(body);
  if (!rpc) return Error{ErrorKind::kNotSoapEnvelope, "SOAP Body is empty"};
  for (pugi::xml_node c = rpc.next_sibling(); c; c = c.next_sibling()) {
    if (c.type() == pugi::node_element) {
      // CWMP 1.x carries exactly one RPC per envelope (MaxEnvelopes = 1).
      out.warnings.emplace_back("extra element <" + std::string(c.name()) +
                                "> after the first in the Body was ignored");
      break;
    }
  }

  decoder.body(rpc, out.envelope.body);
  if (decoder.failed()) return decoder.take_error();
  out.ns = decoder.detect_namespace(rpc, header);
  out.envelope.version = detail::detect_version(out.ns, out.envelope.header);
  return out;
}

}  // namespace cwmp
