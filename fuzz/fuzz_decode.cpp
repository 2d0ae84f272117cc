// libFuzzer target for the SOAP codec. decode() must never crash, hang or
// leak on any input; whatever it accepts and encode() can write back must
// decode again to the same header and body (modulo the two documented
// normalisations below), and encoding that is a fixed point. See fuzz/README.md.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "cwmp/codec.hpp"
#include "cwmp/messages.hpp"

namespace {

// What encode() is documented to change: a value without xsi:type is written
// as xsd:string, and the deprecated NoMoreRequests header is never written.
void normalise(cwmp::Envelope& e) {
  e.header.no_more_requests.reset();
  auto untyped = [](std::vector<cwmp::ParameterValue>& list) {
    for (auto& p : list) {
      if (p.type == cwmp::ValueType::kUnspecified) p.type = cwmp::ValueType::kString;
    }
  };
  if (auto* i = std::get_if<cwmp::Inform>(&e.body)) untyped(i->parameter_list);
  if (auto* r = std::get_if<cwmp::GetParameterValuesResponse>(&e.body)) untyped(r->parameter_list);
  if (auto* s = std::get_if<cwmp::SetParameterValues>(&e.body)) untyped(s->parameter_list);
}

[[noreturn]] void fail(const char* what, const std::string& encoded) {
  std::fprintf(stderr, "fuzz_decode: %s\n--- re-encoded document:\n%s\n", what, encoded.c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  auto decoded = cwmp::decode(input);
  if (!decoded) {
    if (decoded.error().message.empty()) fail("error without a message", {});
    return 0;
  }
  cwmp::Envelope expected = decoded->envelope;
  normalise(expected);

  // decode() is lenient and encode() is strict: a refusal here is expected
  // for many inputs (bad OUI, out-of-pattern event codes, ...).
  auto encoded = cwmp::encode(expected);
  if (!encoded) return 0;

  auto again = cwmp::decode(*encoded);
  if (!again) fail(("our own output does not decode: " + again.error().message).c_str(), *encoded);
  if (again->ns != cwmp::namespace_for(expected.version)) fail("namespace differs", *encoded);
  // The version itself may be lost: the non-standard cwmp-1-3 namespace is
  // written as cwmp-1-2, and 1.3/1.4 are then told by header elements alone.
  if (!(again->envelope.header == expected.header)) fail("header differs", *encoded);
  if (!(again->envelope.body == expected.body)) fail("body differs", *encoded);

  // The fixed point: writing the re-decoded envelope gives the same bytes.
  auto twice = cwmp::encode(again->envelope);
  if (!twice || *twice != *encoded) fail("encode is not a fixed point", *encoded);
  return 0;
}
