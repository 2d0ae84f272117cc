// The NBI's /campaigns endpoint (docs/campaigns.md).
#include "acs/nbi_impl.hpp"

namespace acs {

asio::awaitable<net::Response> Nbi::Impl::campaigns(net::Request& request, const Target& target) {
  (void)target;
  require_method(request, {http::verb::get});
  not_found("campaigns: not implemented yet");
}

}  // namespace acs
