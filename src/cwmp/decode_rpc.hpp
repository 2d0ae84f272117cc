// The typed half of the decoder: SOAP header and RPC elements -> message structs.
// Internal to libcwmp (used by decode.cpp).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <pugixml.hpp>

#include "cwmp/codec.hpp"
#include "cwmp/xml_reader.hpp"

namespace cwmp::detail {

// The version told by the namespace and the header elements: 1.3 added
// SessionTimeout and 1.4 SupportedCWMPVersions/UseCWMPVersion, all under the
// cwmp-1-2 namespace (cwmp-1-3.xsd / cwmp-1-4.xsd; CWMP-FACTS §0).
CwmpVersion detect_version(CwmpNamespace ns, const Header& header);

// Schema maxLength facets (cwmp-1-2.xsd) the decoders check.
inline constexpr std::uint32_t kKeyLen = 32;  // CommandKey, ParameterKey
inline constexpr std::uint32_t k64 = 64;
inline constexpr std::uint32_t k256 = 256;
inline constexpr std::uint32_t k1024 = 1024;

class RpcDecoder {
 public:
  RpcDecoder(const Limits& limits, std::string_view input, std::vector<std::string>& warnings)
      : limits_(limits), input_(input), warnings_(warnings) {}

  void header(pugi::xml_node header, Header& out);
  void body(pugi::xml_node rpc, Body& out);
  CwmpNamespace detect_namespace(pugi::xml_node rpc, pugi::xml_node header);

  bool failed() const { return error_.has_value(); }
  Error take_error() { return std::move(*error_); }

  // Used by the per-message decoders.
  enum class Need : std::uint8_t { kOptional, kLenient, kStrict };

  void fail(ErrorKind kind, std::string message, pugi::xml_node at = {});
  void warn(std::string message) { warnings_.push_back(std::move(message)); }

  pugi::xml_node field(const Children& c, std::string_view name, Need need,
                       std::string_view context);
  std::string_view text(pugi::xml_node node) { return text_of(node, scratch_); }
  std::string string(const Children& c, std::string_view name, std::uint32_t max, Need need,
                     std::string_view context);
  std::optional<std::string> opt_string(const Children& c, std::string_view name, std::uint32_t max,
                                        std::string_view context);
  std::uint32_t unsigned_int(const Children& c, std::string_view name, Need need,
                             std::string_view context);
  std::int32_t integer(const Children& c, std::string_view name, Need need,
                       std::string_view context);
  bool boolean(const Children& c, std::string_view name, Need need, std::string_view context);
  DateTime date_time(const Children& c, std::string_view name, Need need, std::string_view context);
  template <typename Int>
  Int number(const Children& c, std::string_view name, Need need, std::string_view context,
             std::optional<Int> (*parse)(std::string_view), std::string_view type_name);
  void check_length(std::string_view value, std::uint32_t max, std::string_view what,
                    pugi::xml_node at);

  // Calls f(item) for every element child of `array`, enforcing the entry limit.
  template <typename F>
  void for_each_item(pugi::xml_node array, std::uint32_t max, std::string_view what, F&& f) {
    std::uint32_t n = 0;
    for (pugi::xml_node c = array.first_child(); c && !failed(); c = c.next_sibling()) {
      if (c.type() != pugi::node_element) continue;
      if (++n > max) {
        fail(ErrorKind::kResourcesExceeded,
             std::string(what) + " has more than " + std::to_string(max) + " entries", c);
        return;
      }
      f(c);
    }
  }

  // Capacity to reserve for an array, from its soap-enc:arrayType (bounded).
  std::size_t size_hint(pugi::xml_node list) const;
  std::vector<ParameterValue> parameter_values(pugi::xml_node list, std::string_view context);
  std::vector<std::string> strings(pugi::xml_node list, std::uint32_t max_len,
                                   std::string_view context);
  FaultStruct fault_struct(pugi::xml_node node, std::string_view context);
  OpResult op_result(const Children& c);

  const Limits& limits() const { return limits_; }

 private:
  const Limits& limits_;
  std::string_view input_;
  std::vector<std::string>& warnings_;
  std::optional<Error> error_;
  std::string scratch_;
};

// Shorthands for the per-field Need of the decoders.
inline constexpr RpcDecoder::Need kOpt = RpcDecoder::Need::kOptional;
inline constexpr RpcDecoder::Need kLenient = RpcDecoder::Need::kLenient;
inline constexpr RpcDecoder::Need kStrict = RpcDecoder::Need::kStrict;

}  // namespace cwmp::detail
