#include "cr_storm.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>
#include <chrono>
#include <memory>

#include "net/http_client.hpp"

namespace sim {

namespace asio = boost::asio;
namespace http = boost::beast::http;

namespace {

// One path segment: RFC 3986 unreserved characters stay, the rest is %XX (an id has '%').
std::string encode_segment(std::string_view text) {
  return boost::urls::encode(text, boost::urls::unreserved_chars);
}

struct Shared {
  std::vector<std::string> ids;
  std::size_t next = 0;
  CrStormResult result;
};

asio::awaitable<void> worker(std::shared_ptr<Shared> shared, std::string nbi_url,
                             std::string body) {
  auto executor = co_await asio::this_coro::executor;
  while (shared->next < shared->ids.size()) {
    const std::string& id = shared->ids[shared->next++];
    const std::string url =
        nbi_url + "/devices/" + encode_segment(id) + "/tasks?connection_request&timeout=30000";
    net::Headers headers{{"Content-Type", "application/json"}};
    ++shared->result.posted;
    const std::chrono::milliseconds timeout(60'000);
    net::ClientOptions options;  // a named local: GCC 12 mishandles temporaries in co_await
    net::ClientResult r = co_await net::http_request(executor, url, http::verb::post,
                                                     std::move(headers), body, timeout, options);
    const auto it = r.response.find("X-Connection-Request");
    const bool accepted =
        r.ok() && it != r.response.end() &&
        std::string_view(it->value().data(), it->value().size()).starts_with("accepted");
    ++(accepted ? shared->result.accepted : shared->result.failed);
  }
}

}  // namespace

asio::awaitable<CrStormResult> run_cr_storm(asio::any_io_executor executor, std::string nbi_url,
                                            std::vector<std::string> device_ids, std::string probe,
                                            unsigned in_flight) {
  while (!nbi_url.empty() && nbi_url.back() == '/') nbi_url.pop_back();
  auto shared = std::make_shared<Shared>();
  shared->ids = std::move(device_ids);
  const std::string body = boost::json::serialize(boost::json::object{
      {"name", "getParameterValues"}, {"parameterNames", boost::json::array{probe}}});
  const auto start = std::chrono::steady_clock::now();
  // The workers share `shared`: the caller gives a strand (or a one-thread context).
  unsigned running = std::max(1u, in_flight);
  auto finished =
      std::make_shared<asio::steady_timer>(executor, std::chrono::steady_clock::time_point::max());
  auto remaining = std::make_shared<unsigned>(running);
  for (unsigned i = 0; i < running; ++i) {
    asio::co_spawn(executor, worker(shared, nbi_url, body), [finished, remaining](auto) {
      if (--*remaining == 0) finished->cancel();
    });
  }
  boost::system::error_code ec;
  co_await finished->async_wait(asio::redirect_error(asio::use_awaitable, ec));
  shared->result.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  co_return shared->result;
}

}  // namespace sim
