// Every sample message, encoded in every version that defines it, validates
// against the official BBF schema with a STRICT SOAP Body, exactly as
// shared/spec/SOURCES.md §D.2 describes:
//   XML_CATALOG_FILES=<spec>/validation/catalog-strict.xml
//   xmllint --nonet --noout --schema <spec>/cwmp-1-N.xsd file...
// cwmp-1-0.xsd / cwmp-1-1.xsd validate the 1.0 / 1.1 namespaces; cwmp-1-4.xsd
// validates the cwmp-1-2 namespace (CWMP 1.2-1.4), as it is the only schema
// that knows every header element of 1.4.
//
// The spec directory is $CWMP_SPEC_DIR, else CWMP_DEFAULT_SPEC_DIR; without it
// or without xmllint the tests SKIP, saying why.
#include <gtest/gtest.h>
#include <stdlib.h>  // mkdtemp

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <pugixml.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "cwmp/codec.hpp"
#include "sample_messages.hpp"

namespace {

namespace fs = std::filesystem;
using cwmp::CwmpNamespace;
using cwmp::CwmpVersion;
using cwmp::samples::at_version;
using cwmp::samples::describe;
using cwmp::samples::Sample;
using cwmp::samples::sample_messages;

#ifndef CWMP_DEFAULT_SPEC_DIR
#define CWMP_DEFAULT_SPEC_DIR ""
#endif

std::optional<fs::path> find_spec_dir() {
  std::error_code ec;
  if (const char* env = std::getenv("CWMP_SPEC_DIR"); env != nullptr && *env != '\0') {
    if (fs::is_directory(env, ec)) return fs::path(env);
  }
  if (fs::is_directory(CWMP_DEFAULT_SPEC_DIR, ec)) return fs::path(CWMP_DEFAULT_SPEC_DIR);
  return std::nullopt;
}

bool have_xmllint() {
  return std::system("command -v xmllint >/dev/null 2>&1") == 0;
}

std::string quote(const fs::path& p) {  // for /bin/sh; our paths hold no single quote
  return "'" + p.string() + "'";
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

void write_file(const fs::path& p, std::string_view bytes) {
  std::ofstream out(p, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(out.good()) << "cannot write " << p;
}

struct Verdict {
  bool valid = false;
  std::string messages;  // xmllint's lines about this file
};

// Runs xmllint the way SOURCES.md §D.2 says, on many files at once.
class Xmllint {
 public:
  explicit Xmllint(fs::path spec) : spec_(std::move(spec)) {}

  const fs::path& spec() const { return spec_; }

  std::map<fs::path, Verdict> validate(const std::string& schema_file,
                                       const std::vector<fs::path>& files,
                                       const fs::path& scratch) const {
    std::map<fs::path, Verdict> verdicts;
    if (files.empty()) return verdicts;
    const fs::path log = scratch / ("xmllint-" + schema_file + ".log");
    std::string cmd = "XML_CATALOG_FILES=" + quote(spec_ / "validation" / "catalog-strict.xml") +
                      " xmllint --nonet --noout --schema " + quote(spec_ / schema_file);
    for (const fs::path& f : files) cmd += " " + quote(f);
    cmd += " >" + quote(log) + " 2>&1";
    (void)std::system(cmd.c_str());  // the verdict per file is in the log
    const std::string output = read_file(log);
    for (const fs::path& f : files) {
      Verdict& v = verdicts[f];
      const std::string name = f.string();
      std::istringstream lines(output);
      for (std::string line; std::getline(lines, line);) {
        if (line == name + " validates") {
          v.valid = true;
        } else if (line.rfind(name + ":", 0) == 0 || line.rfind(name + " ", 0) == 0) {
          v.messages += line + "\n";
        }
      }
      if (!v.valid && v.messages.empty()) v.messages = "no verdict; xmllint said:\n" + output;
    }
    return verdicts;
  }

 private:
  fs::path spec_;
};

class SchemaValidation : public ::testing::Test {
 protected:
  void SetUp() override {
    auto spec = find_spec_dir();
    if (!spec) {
      GTEST_SKIP() << "no CWMP spec directory: set CWMP_SPEC_DIR (tried '" << CWMP_DEFAULT_SPEC_DIR
                   << "')";
    }
    if (!fs::exists(*spec / "cwmp-1-4.xsd") ||
        !fs::exists(*spec / "validation" / "catalog-strict.xml")) {
      GTEST_SKIP() << *spec << " lacks cwmp-1-4.xsd or validation/catalog-strict.xml";
    }
    if (!have_xmllint()) GTEST_SKIP() << "xmllint not found (Debian: libxml2-utils)";
    xmllint_.emplace(*spec);
    std::string pattern = (fs::temp_directory_path() / "cwmp-schema-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    scratch_ = pattern;
  }
  void TearDown() override {
    std::error_code ec;
    if (!scratch_.empty()) fs::remove_all(scratch_, ec);
  }

  // Validates one document, written to the scratch directory as `name`.
  Verdict validate_text(const std::string& name, std::string_view xml,
                        const std::string& schema = "cwmp-1-4.xsd") {
    const fs::path file = scratch_ / name;
    write_file(file, xml);
    return xmllint_->validate(schema, {file}, scratch_)[file];
  }

  std::optional<Xmllint> xmllint_;
  fs::path scratch_;
};

std::string schema_for(CwmpNamespace ns) {
  switch (ns) {
    case CwmpNamespace::k1_0:
      return "cwmp-1-0.xsd";
    case CwmpNamespace::k1_1:
      return "cwmp-1-1.xsd";
    default:
      return "cwmp-1-4.xsd";
  }
}

// A hand-written Inform in the style of validation/inform-example.xml; `oui`
// and `method` are spliced in to make the negative controls.
std::string hand_made_inform(const std::string& oui, const std::string& method = "Inform") {
  return R"(<?xml version="1.0" encoding="UTF-8"?>
<soap-env:Envelope xmlns:soap-env="http://schemas.xmlsoap.org/soap/envelope/"
    xmlns:soap-enc="http://schemas.xmlsoap.org/soap/encoding/"
    xmlns:xsd="http://www.w3.org/2001/XMLSchema"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xmlns:cwmp="urn:dslforum-org:cwmp-1-2">
  <soap-env:Header><cwmp:ID soap-env:mustUnderstand="1">1</cwmp:ID></soap-env:Header>
  <soap-env:Body>
    <cwmp:)" +
         method +
         R"(>
      <DeviceId><Manufacturer>Example</Manufacturer><OUI>)" +
         oui + R"(</OUI><ProductClass>HGW</ProductClass><SerialNumber>SN1</SerialNumber></DeviceId>
      <Event soap-enc:arrayType="cwmp:EventStruct[1]">
        <EventStruct><EventCode>1 BOOT</EventCode><CommandKey></CommandKey></EventStruct>
      </Event>
      <MaxEnvelopes>1</MaxEnvelopes>
      <CurrentTime>2024-01-01T00:00:00Z</CurrentTime>
      <RetryCount>0</RetryCount>
      <ParameterList soap-enc:arrayType="cwmp:ParameterValueStruct[0]"></ParameterList>
    </cwmp:)" +
         method +
         R"(>
  </soap-env:Body>
</soap-env:Envelope>
)";
}

// ---------------------------------------------------------------------------
// Controls: the setup can pass and can fail.

TEST_F(SchemaValidation, PositiveControlSpecExampleValidates) {
  const fs::path example = xmllint_->spec() / "validation" / "inform-example.xml";
  if (!fs::exists(example)) GTEST_SKIP() << "no " << example;
  auto verdict = xmllint_->validate("cwmp-1-4.xsd", {example}, scratch_)[example];
  EXPECT_TRUE(verdict.valid) << verdict.messages;
  auto mine = validate_text("hand-made.xml", hand_made_inform("00D09E"));
  EXPECT_TRUE(mine.valid) << mine.messages;
}

TEST_F(SchemaValidation, NegativeControlLowerCaseOuiIsRejected) {
  auto verdict = validate_text("lower-oui.xml", hand_made_inform("00d09e"));
  EXPECT_FALSE(verdict.valid);
  EXPECT_NE(verdict.messages.find("OUI"), std::string::npos) << verdict.messages;
}

// Only the strict catalog turns an unknown Body element into an error
// (SOURCES.md §D.2): this proves it is the one in use.
TEST_F(SchemaValidation, NegativeControlMisspelledMethodIsRejected) {
  auto verdict = validate_text("infrom.xml", hand_made_inform("00D09E", "Infrom"));
  EXPECT_FALSE(verdict.valid);
  EXPECT_NE(verdict.messages.find("Infrom"), std::string::npos) << verdict.messages;
}

TEST_F(SchemaValidation, NegativeControlWrongNamespaceSchema) {
  auto bytes = cwmp::encode(at_version(sample_messages().front().envelope, CwmpVersion::k1_2));
  ASSERT_TRUE(bytes) << describe(bytes.error());
  auto verdict = validate_text("ns-mismatch.xml", *bytes, "cwmp-1-0.xsd");
  EXPECT_FALSE(verdict.valid) << "a cwmp-1-2 envelope must not pass the cwmp-1-0 schema";
}

// ---------------------------------------------------------------------------
// The real thing: every sample in every version, in one xmllint run per schema.

TEST_F(SchemaValidation, EverySampleInEveryVersionValidates) {
  struct Written {
    std::string what;
    fs::path file;
  };
  std::map<std::string, std::vector<Written>> by_schema;
  int index = 0;
  for (const Sample& s : sample_messages()) {
    auto write = [&](const cwmp::Envelope& e, const cwmp::EncodeOptions& options,
                     const std::string& tag) {
      const std::string what = s.name + " " + std::string(cwmp::to_string(e.version)) + tag;
      auto bytes = cwmp::encode(e, options);
      if (!bytes) {
        ADD_FAILURE() << what << ": encode failed: " << describe(bytes.error());
        return;
      }
      const fs::path file = scratch_ / (std::to_string(index++) + "_" + s.name + "_" +
                                        std::to_string(static_cast<int>(e.version)) + tag + ".xml");
      write_file(file, *bytes);
      by_schema[schema_for(cwmp::namespace_for(e.version))].push_back({what, file});
    };
    for (CwmpVersion v : cwmp::samples::versions_for(s)) {
      write(at_version(s.envelope, v), {}, "");
    }
    write(s.envelope, {.xml_declaration = true, .pretty = true}, "_pretty");
  }

  std::size_t checked = 0;
  for (const auto& [schema, written] : by_schema) {
    std::vector<fs::path> files;
    for (const Written& w : written) files.push_back(w.file);
    auto verdicts = xmllint_->validate(schema, files, scratch_);
    for (const Written& w : written) {
      const Verdict& v = verdicts[w.file];
      EXPECT_TRUE(v.valid) << w.what << " (" << schema << ")\n"
                           << v.messages << "--- document:\n"
                           << read_file(w.file);
      ++checked;
    }
  }
  // 1.0 and 1.1 schemas must have been exercised too, not only cwmp-1-4.xsd.
  EXPECT_GT(by_schema["cwmp-1-0.xsd"].size(), 30u);
  EXPECT_GT(by_schema["cwmp-1-1.xsd"].size(), 30u);
  EXPECT_GE(checked, 2 * sample_messages().size());
}

// ---------------------------------------------------------------------------
// What the schema says but libxml2 does not check: the fixed mustUnderstand
// values of the header elements (SOURCES.md §D.5, CWMP-FACTS §1.3). Needs no
// xmllint.

TEST(SchemaHeaderRules, MustUnderstandValues) {
  cwmp::Header h;
  h.id = "42";
  h.hold_requests = true;
  h.session_timeout = 30;
  h.supported_cwmp_versions = "1.0,1.4";
  h.use_cwmp_version = "1.4";
  auto bytes = cwmp::encode(cwmp::Envelope{CwmpVersion::k1_4, h, cwmp::InformResponse{1}});
  ASSERT_TRUE(bytes) << describe(bytes.error());

  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_buffer(bytes->data(), bytes->size(), pugi::parse_default));
  // Find the header children by local name, whatever the prefixes.
  auto local = [](const char* qname) {
    const char* colon = std::strchr(qname, ':');
    return std::string(colon ? colon + 1 : qname);
  };
  std::map<std::string, std::optional<std::string>> must_understand;
  pugi::xml_node envelope = doc.document_element();
  for (pugi::xml_node part : envelope.children()) {
    if (local(part.name()) != "Header") continue;
    for (pugi::xml_node el : part.children()) {
      std::optional<std::string> mu;
      for (pugi::xml_attribute a : el.attributes()) {
        if (local(a.name()) == "mustUnderstand") mu = a.value();
      }
      must_understand[local(el.name())] = mu;
    }
  }
  ASSERT_EQ(must_understand.size(), 5u) << *bytes;
  EXPECT_EQ(must_understand["ID"], "1");                     // required, fixed 1
  EXPECT_EQ(must_understand["HoldRequests"], "1");           // required, fixed 1
  EXPECT_EQ(must_understand["UseCWMPVersion"], "1");         // required, MUST be 1
  EXPECT_NE(must_understand["SessionTimeout"], "1");         // optional, fixed 0
  EXPECT_NE(must_understand["SupportedCWMPVersions"], "1");  // optional, MUST be 0
}

}  // namespace
