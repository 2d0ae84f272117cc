#include "cwmp/result.hpp"

#include "cwmp/faults.hpp"

namespace cwmp {

std::uint32_t Error::fault_code(Side receiver) const {
  // Everything a peer got wrong about the message itself is "invalid arguments";
  // only an unknown method (TR-069 §3.5: MUST be 8000/9000) and hit limits differ.
  const bool acs = receiver == Side::kAcs;
  switch (kind) {
    case ErrorKind::kMethodNotSupported:
      return acs ? fault::kAcsMethodNotSupported : fault::kMethodNotSupported;
    case ErrorKind::kResourcesExceeded:
      return acs ? fault::kAcsResourcesExceeded : fault::kResourcesExceeded;
    case ErrorKind::kMalformedXml:
    case ErrorKind::kInvalidEncoding:
    case ErrorKind::kForbiddenXml:
    case ErrorKind::kNotSoapEnvelope:
    case ErrorKind::kMustUnderstand:
    case ErrorKind::kInvalidArguments:
      break;
  }
  return acs ? fault::kAcsInvalidArguments : fault::kInvalidArguments;
}

std::string_view to_string(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kMalformedXml:
      return "malformed-xml";
    case ErrorKind::kInvalidEncoding:
      return "invalid-encoding";
    case ErrorKind::kForbiddenXml:
      return "forbidden-xml";
    case ErrorKind::kNotSoapEnvelope:
      return "not-soap-envelope";
    case ErrorKind::kMustUnderstand:
      return "must-understand";
    case ErrorKind::kMethodNotSupported:
      return "method-not-supported";
    case ErrorKind::kInvalidArguments:
      return "invalid-arguments";
    case ErrorKind::kResourcesExceeded:
      return "resources-exceeded";
  }
  return "unknown";
}

}  // namespace cwmp
