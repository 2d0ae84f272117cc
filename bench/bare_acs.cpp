// bench_bare_acs: the bare-stack ceiling of bench/sessions.sh. The same HTTP server code as
// cwmp-acs (net::HttpServer on an io_context run by --threads threads, default
// ServerOptions) answering the exchanges a periodic CPE makes in a session, with no store and
// no session logic:
//
//   POST Inform, no Authorization      -> 401 with the Digest challenges (SHA-256, MD5)
//   POST Inform with Digest            -> verify, decode the Inform, 200 with an encoded
//                                         InformResponse (same cwmp:ID, version negotiated
//                                         as cwmp-acs does: TR-069 A.3.2.1 / CWMP 1.4)
//   empty POST                         -> 204 No Content (end of session, TR-069 §3.7.2.4)
//
// Why the Digest step is kept: a session against cwmp-acs is three HTTP exchanges (401,
// Inform, empty POST) on one new TCP connection, with one Digest verification. Without it the
// ceiling would do two exchanges and no HMAC/hash work, and the comparison would measure the
// protocol's authentication cost as if it were the ACS's overhead. Verification is stateless
// (cwmp::auth::DigestServer: the nonce carries its own HMAC and age), exactly the code
// cwmp-acs runs, so no nonce table is needed. Like cwmp-acs, only the first request of a
// session (the Inform) is authenticated; cwmp-acs finds the later requests by cookie, the bare
// server simply answers an empty POST with 204 without looking at it.
//
// What it leaves out, on purpose: the device lookup, the session table, the store commit
// (SQLite, fsync) before the InformResponse, tasks, logs and metrics.
//
//   bench_bare_acs [--listen ADDR:PORT] [--threads N] [--username U] [--password P]
//
// Prints "listening on PORT" once bound; runs until SIGINT/SIGTERM.
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/verb.hpp>
#include <chrono>
#include <cstdio>
#include <exception>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <openssl/rand.h>

#include "cwmp/codec.hpp"
#include "cwmp/http_auth.hpp"
#include "cwmp/version.hpp"
#include "net/http_server.hpp"

namespace asio = boost::asio;
namespace http = boost::beast::http;

namespace {

struct Settings {
  std::string listen = "127.0.0.1:7547";
  unsigned threads = 1;
  std::string username = "bench";
  std::string password = "bench-password";
};

void random_bytes(std::span<std::uint8_t> out) {
  if (RAND_bytes(out.data(), static_cast<int>(out.size())) != 1) {
    throw std::runtime_error("RAND_bytes failed");
  }
}

net::Response plain(http::status status, const net::Request& request, std::string text) {
  net::Response r;
  r.message = net::HttpResponse(status, request.version());
  r.message.set(http::field::content_type, "text/plain; charset=utf-8");
  r.message.body() = std::move(text);
  r.message.prepare_payload();
  return r;
}

class BareAcs {
 public:
  explicit BareAcs(const Settings& s) : settings_(s), digest_(digest_options(), random_bytes) {}

  net::Response handle(const net::Request& request) const {
    if (request.method() != http::verb::post) {
      return plain(http::status::method_not_allowed, request, "CWMP uses POST");
    }
    if (request.body().empty()) {
      // The CPE has nothing more to send: the session ends (cwmp-acs answers the same when
      // it has no task for the device).
      net::Response r;
      r.message = net::HttpResponse(http::status::no_content, request.version());
      r.message.prepare_payload();
      return r;
    }
    if (!authenticated(request)) return unauthorized(request);
    return inform_response(request);
  }

 private:
  static cwmp::auth::DigestServerOptions digest_options() {
    cwmp::auth::DigestServerOptions o;
    o.realm = "cwmp-acs";  // cwmp-acs's default realm, same challenges on the wire
    return o;
  }

  static std::chrono::system_clock::time_point now() { return std::chrono::system_clock::now(); }

  bool authenticated(const net::Request& request) const {
    const auto it = request.find(http::field::authorization);
    if (it == request.end()) return false;
    const auto credentials = cwmp::auth::parse_digest_authorization(
        std::string_view(it->value().data(), it->value().size()));
    if (!credentials || credentials.value().username != settings_.username) return false;
    const auto result = digest_.verify(
        credentials.value(),
        std::string_view(request.method_string().data(), request.method_string().size()),
        std::string_view(request.target().data(), request.target().size()), settings_.password,
        now());
    return result == cwmp::auth::VerifyResult::kOk;
  }

  net::Response unauthorized(const net::Request& request) const {
    net::Response r = plain(http::status::unauthorized, request, "authentication required");
    for (const std::string& c : digest_.challenges(now())) {
      r.message.insert(http::field::www_authenticate, c);
    }
    return r;
  }

  static net::Response inform_response(const net::Request& request) {
    auto decoded = cwmp::decode(request.body());
    if (!decoded) return plain(http::status::bad_request, request, "not a CWMP envelope");
    const cwmp::Envelope& in = decoded.value().envelope;
    if (!std::holds_alternative<cwmp::Inform>(in.body)) {
      return plain(http::status::bad_request, request, "only Inform is answered here");
    }
    cwmp::Envelope out;
    out.version = in.version;
    out.header.id = in.header.id;
    if (in.header.supported_cwmp_versions) {
      // CWMP 1.4 negotiation, as cwmp-acs does it: the highest version both support.
      const auto agreed = cwmp::negotiate_version(
          cwmp::VersionSet::parse(*in.header.supported_cwmp_versions), cwmp::VersionSet::all());
      if (!agreed) return plain(http::status::bad_request, request, "no common CWMP version");
      out.version = *agreed;
      out.header.use_cwmp_version = std::string(cwmp::to_string(*agreed));
    }
    out.body = cwmp::InformResponse{1};
    auto body = cwmp::encode(out);
    if (!body) return plain(http::status::internal_server_error, request, "encode failed");
    net::Response r;
    r.message = net::HttpResponse(http::status::ok, request.version());
    r.message.set(http::field::content_type, "text/xml; charset=\"utf-8\"");
    r.message.body() = std::move(body.value());
    r.message.prepare_payload();
    return r;
  }

  Settings settings_;
  cwmp::auth::DigestServer digest_;
};

bool parse(int argc, char** argv, Settings& s) {
  for (int i = 1; i < argc; ++i) {
    const std::string name = argv[i];
    if (name == "--help" || name == "-h") return false;
    if (i + 1 >= argc) {
      std::fprintf(stderr, "bench_bare_acs: %s needs a value\n", name.c_str());
      return false;
    }
    const std::string value = argv[++i];
    if (name == "--listen") {
      s.listen = value;
    } else if (name == "--threads") {
      s.threads = static_cast<unsigned>(std::stoul(value));
      if (s.threads == 0) s.threads = 1;
    } else if (name == "--username") {
      s.username = value;
    } else if (name == "--password") {
      s.password = value;
    } else {
      std::fprintf(stderr, "bench_bare_acs: unknown option %s\n", name.c_str());
      return false;
    }
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  Settings settings;
  if (!parse(argc, argv, settings)) {
    std::fprintf(stderr,
                 "usage: bench_bare_acs [--listen ADDR:PORT] [--threads N] [--username U] "
                 "[--password P]\n");
    return 2;
  }
  try {
    asio::io_context io;
    const BareAcs acs(settings);
    net::Handler handler = [&acs](net::Request& request,
                                  const net::ConnectionInfo&) -> asio::awaitable<net::Response> {
      co_return acs.handle(request);
    };
    net::HttpServer server(io, std::move(handler));
    const std::uint16_t port = server.listen(settings.listen);
    std::printf("listening on %u\n", static_cast<unsigned>(port));
    std::fflush(stdout);

    asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](const boost::system::error_code&, int) {
      server.stop(std::chrono::seconds(1), [&io] { io.stop(); });
    });
    std::vector<std::thread> threads;
    for (unsigned i = 1; i < settings.threads; ++i) threads.emplace_back([&io] { io.run(); });
    io.run();
    for (std::thread& t : threads) t.join();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_bare_acs: %s\n", e.what());
    return 1;
  }
  return 0;
}
