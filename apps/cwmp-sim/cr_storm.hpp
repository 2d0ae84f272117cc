// The connection-request storm (issue 5 §1): for every simulated device, an NBI task with
// ?connection_request, as an operator's script would post them, a bounded number in flight.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <string>
#include <vector>

namespace sim {

struct CrStormResult {
  std::uint64_t posted = 0;
  std::uint64_t accepted = 0;  // the ACS reached the device (X-Connection-Request: accepted)
  std::uint64_t failed = 0;    // anything else (the NBI's or the request's error)
  double seconds = 0;
};

// Posts `{"name":"getParameterValues","parameterNames":[<probe>]}` with ?connection_request
// for each id (percent-encoded into the path), at most `in_flight` at once.
boost::asio::awaitable<CrStormResult> run_cr_storm(boost::asio::any_io_executor executor,
                                                   std::string nbi_url,
                                                   std::vector<std::string> device_ids,
                                                   std::string probe, unsigned in_flight);

}  // namespace sim
