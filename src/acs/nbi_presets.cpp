// The NBI's /presets endpoint (docs/presets.md).
#include "acs/nbi_impl.hpp"

namespace acs {

asio::awaitable<net::Response> Nbi::Impl::presets(net::Request& request, const Target& target) {
  (void)target;
  require_method(request, {http::verb::get});
  not_found("presets: not implemented yet");
}

}  // namespace acs
