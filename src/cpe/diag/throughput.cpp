// DownloadDiagnostics / UploadDiagnostics (TR-143 throughput tests over HTTP and HTTPS).
//
// Asio/Beast directly rather than net::HttpConnection: TR-143 wants the moments of the TCP
// SYN, of the connect completing, of the request, of the first and last data packet, and
// bytes counted at the socket, none of which a request/response client exposes. The
// response is read raw from the socket and fed to a Beast parser whose buffer body is a
// fixed scratch area: the bytes are counted and dropped, never held in memory.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/url/parse.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>

#include "cpe/diag/probes.hpp"
#include "net/tls.hpp"

namespace cpe::diag {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using SysTime = std::chrono::system_clock::time_point;

constexpr std::size_t kChunk = 64 * 1024;
constexpr auto kWatchdogPeriod = std::chrono::milliseconds(20);

// TR-143 timestamps: dateTime in UTC with microseconds ("2008-04-09T15:01:05.123456Z").
std::string format_time(std::optional<SysTime> t) {
  if (!t) return "0001-01-01T00:00:00Z";  // the Unknown Time: the moment never came
  using namespace std::chrono;
  const auto us = time_point_cast<microseconds>(*t);
  const auto day = floor<days>(us);
  const year_month_day ymd(day);
  const hh_mm_ss hms(us - day);
  char text[40];
  std::snprintf(text, sizeof text, "%04d-%02u-%02uT%02d:%02d:%02d.%06dZ",
                static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()), static_cast<int>(hms.hours().count()),
                static_cast<int>(hms.minutes().count()), static_cast<int>(hms.seconds().count()),
                static_cast<int>(hms.subseconds().count()));
  return text;
}

std::uint64_t read_counter(const std::string& interface_name, const char* counter) {
  std::ifstream in("/sys/class/net/" + interface_name + "/statistics/" + counter);
  std::uint64_t value = 0;
  in >> value;
  return value;
}

struct Target {
  bool tls = false;
  std::string host;       // for the resolver, SNI and the certificate check
  std::string port;       // service
  std::string authority;  // the Host header
  std::string path;       // request target
};

std::optional<Target> parse_target(const std::string& url) {
  const auto parsed = boost::urls::parse_uri(url);
  if (!parsed) return std::nullopt;
  const auto& u = *parsed;
  Target t;
  if (u.scheme() == "https") {
    t.tls = true;
  } else if (u.scheme() != "http") {
    return std::nullopt;
  }
  t.host = u.host_address();
  if (t.host.empty()) return std::nullopt;
  t.port = u.has_port() ? std::string(u.port()) : (t.tls ? "443" : "80");
  t.authority = u.encoded_host_and_port();
  t.path = u.encoded_target();
  if (t.path.empty()) t.path = "/";
  return t;
}

// Everything the exchange measures; written by the coroutine and the watchdog (one thread).
struct Run {
  Run(const TransferInput& in, const Env& e) : input(in), env(e) {}
  const TransferInput& input;
  const Env& env;
  Target target;
  std::string state;  // empty while going
  bool finished = false;
  bool timed_out = false;
  Clock::time_point deadline;
  Clock::time_point last_activity;
  std::optional<SysTime> tcp_request, tcp_response, rom, bom, eom;
  std::uint64_t test_bytes = 0;  // bytes moved between BOM and EOM, headers included
  std::uint64_t rx_at_rom = 0, tx_at_rom = 0, rx_total = 0, tx_total = 0;
  std::string address_used;
  std::function<void()> close;  // closes the socket (watchdog, cancel)

  // The interface counters are sampled when the request goes out rather than at BOM: on a
  // fast link the first data already waits in the socket buffer when the first read
  // returns, so a sample at BOM would miss it.
  void mark_rom() {
    rom = std::chrono::system_clock::now();
    if (!env.interface_name.empty()) {
      rx_at_rom = read_counter(env.interface_name, "rx_bytes");
      tx_at_rom = read_counter(env.interface_name, "tx_bytes");
    }
  }
  void mark_bom() {
    if (!bom) bom = std::chrono::system_clock::now();
  }
  void mark_eom() {
    eom = std::chrono::system_clock::now();
    // TR-181: sampled on the Interface; without one "cannot be determined and SHOULD be 0".
    if (!env.interface_name.empty()) {
      rx_total = read_counter(env.interface_name, "rx_bytes") - rx_at_rom;
      tx_total = read_counter(env.interface_name, "tx_bytes") - tx_at_rom;
    }
  }
  void fail(const char* download_state, const char* upload_state) {
    if (state.empty()) state = input.upload ? upload_state : download_state;
  }
};

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

// Reads the response: raw bytes from the socket (counted, timed) into a Beast parser whose
// body is a scratch buffer emptied after every put().
template <typename Stream>
asio::awaitable<void> read_response(Stream& stream, Run& run) {
  http::response_parser<http::buffer_body> parser;
  parser.body_limit(boost::none);
  parser.header_limit(16 * 1024);
  beast::flat_buffer buffer(32 * 1024);
  std::vector<char> scratch(kChunk);
  bool header_checked = false;
  while (!parser.is_done()) {
    auto space = buffer.prepare(std::min<std::size_t>(kChunk, buffer.max_size() - buffer.size()));
    auto [ec, n] = co_await stream.async_read_some(space, kTuple);
    if (n > 0) {
      run.last_activity = Clock::now();
      if (!run.input.upload) {  // an upload's BOM..EOM is its body going out
        run.mark_bom();
        run.test_bytes += n;
        run.mark_eom();
      }
      buffer.commit(n);
    }
    beast::error_code parse_error;
    while (buffer.size() > 0 && !parser.is_done()) {
      parser.get().body().data = scratch.data();
      parser.get().body().size = scratch.size();
      const std::size_t used = parser.put(buffer.data(), parse_error);
      buffer.consume(used);
      if (parse_error == http::error::need_buffer) parse_error = {};
      if (parse_error == http::error::need_more) {
        parse_error = {};
        break;
      }
      if (parse_error) break;
      if (used == 0) break;
    }
    if (!parse_error && ec && !parser.is_done()) {
      // A body delimited by the connection's close ends here; put_eof() on a parser that
      // got nothing would also say "done", so only after some response came.
      if (parser.got_some() &&
          (ec == asio::error::eof || ec == asio::ssl::error::stream_truncated)) {
        parser.put_eof(parse_error);
        if (!parse_error && parser.is_done()) break;
      }
    }
    if (parser.is_header_done() && !header_checked) {
      header_checked = true;
      const unsigned status = parser.get().result_int();
      if (status < 200 || status > 299) {
        run.env.log("Transfer: the server answered HTTP " + std::to_string(status));
        run.fail("Error_TransferFailed", "Error_NoTransferComplete");
        co_return;
      }
    }
    if (parse_error || ec) {
      if (run.timed_out) {
        run.state = "Error_Timeout";
      } else if (!parser.is_header_done()) {
        run.fail("Error_NoResponse", "Error_NoResponse");
      } else if (parse_error == http::error::partial_message) {
        run.fail("Error_IncorrectSize", "Error_NoTransferComplete");
      } else {
        run.fail("Error_TransferFailed", "Error_NoTransferComplete");
      }
      co_return;
    }
  }
}

template <typename Stream>
asio::awaitable<void> exchange(Stream& stream, Run& run) {
  const TransferInput& input = run.input;
  std::string head = std::string(input.upload ? "PUT " : "GET ") + run.target.path +
                     " HTTP/1.1\r\nHost: " + run.target.authority +
                     "\r\nUser-Agent: cwmp-cpe-diagnostics\r\nConnection: close\r\n";
  if (input.upload) {
    head += "Content-Type: application/octet-stream\r\nContent-Length: " +
            std::to_string(input.length) + "\r\n";
  }
  head += "\r\n";
  run.mark_rom();
  auto head_buffer = asio::buffer(head);
  auto [ec, n] = co_await asio::async_write(stream, head_buffer, kTuple);
  if (ec) {
    run.state = run.timed_out ? "Error_Timeout" : "Error_NoResponse";
    co_return;
  }
  run.last_activity = Clock::now();
  if (input.upload) {
    run.mark_bom();
    run.test_bytes += n;
    const std::vector<char> zeros(kChunk, 0);
    std::uint64_t sent = 0;
    while (sent < input.length) {
      const std::size_t size =
          static_cast<std::size_t>(std::min<std::uint64_t>(kChunk, input.length - sent));
      auto chunk = asio::buffer(zeros.data(), size);
      auto [write_error, written] = co_await asio::async_write(stream, chunk, kTuple);
      sent += written;
      run.test_bytes += written;
      run.last_activity = Clock::now();
      if (write_error) {
        run.state = run.timed_out ? "Error_Timeout" : "Error_NoTransferComplete";
        co_return;
      }
    }
    run.mark_eom();
  }
  co_await read_response(stream, run);
}

asio::awaitable<void> transfer(Run& run) {
  auto executor = co_await asio::this_coro::executor;
  tcp::resolver resolver(executor);
  const Env& env = run.env;
  const auto flags = tcp::resolver::flags();
  boost::system::error_code ec;
  tcp::resolver::results_type endpoints;
  if (env.family == Family::kAny) {
    std::tie(ec, endpoints) =
        co_await resolver.async_resolve(run.target.host, run.target.port, flags, kTuple);
  } else {
    const tcp protocol = env.family == Family::kIPv4 ? tcp::v4() : tcp::v6();
    std::tie(ec, endpoints) =
        co_await resolver.async_resolve(protocol, run.target.host, run.target.port, flags, kTuple);
  }
  if (ec || endpoints.empty()) {
    run.state = run.timed_out ? "Error_Timeout" : "Error_CannotResolveHostName";
    co_return;
  }
  tcp::socket socket(executor);
  run.close = [&socket] {
    boost::system::error_code ignored;
    socket.close(ignored);
  };
  struct Forget {  // the watchdog must not reach the socket once it is gone
    Run& run;
    ~Forget() { run.close = nullptr; }
  } forget{run};
  bool connected = false;
  for (const auto& entry : endpoints) {
    if (run.timed_out) break;
    socket.close(ec);
    socket.open(entry.endpoint().protocol(), ec);
    if (ec) continue;
    if (!bind_to_device(socket.native_handle(), env.interface_name)) {
      env.log("Transfer: cannot bind to interface " + env.interface_name);
      run.state = "Error_Other";
      co_return;
    }
    set_dscp(socket.native_handle(), entry.endpoint().protocol().family(), env.dscp);
    run.tcp_request = std::chrono::system_clock::now();
    const tcp::endpoint endpoint = entry.endpoint();
    std::tie(ec) = co_await socket.async_connect(endpoint, kTuple);
    if (!ec) {
      run.tcp_response = std::chrono::system_clock::now();
      connected = true;
      break;
    }
  }
  if (!connected) {
    run.state = run.timed_out ? "Error_Timeout" : "Error_InitConnectionFailed";
    co_return;
  }
  run.last_activity = Clock::now();
  run.address_used = socket.local_endpoint(ec).address().to_string();
  if (!run.target.tls) {
    co_await exchange(socket, run);
    co_return;
  }
  std::shared_ptr<asio::ssl::context> context;
  try {
    context = net::make_client_tls_context({});
  } catch (const std::exception& e) {
    env.log(std::string("Transfer: TLS setup failed: ") + e.what());
    run.state = "Error_Internal";
    co_return;
  }
  asio::ssl::stream<tcp::socket&> tls(socket, *context);
  SSL_set_tlsext_host_name(tls.native_handle(), run.target.host.c_str());
  tls.set_verify_callback(asio::ssl::host_name_verification(run.target.host));
  std::tie(ec) = co_await tls.async_handshake(asio::ssl::stream_base::client, kTuple);
  if (ec) {
    env.log("Transfer: TLS handshake failed: " + ec.message());
    run.state = run.timed_out ? "Error_Timeout" : "Error_InitConnectionFailed";
    co_return;
  }
  co_await exchange(tls, run);
}

// Closes the socket when the test is cancelled, the total deadline passes, or no byte moved
// for the idle timeout: the blocked operation then fails and the coroutine ends.
asio::awaitable<void> watchdog(Run& run) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  const auto idle = run.env.options.transfer_idle_timeout;
  while (!run.finished) {
    timer.expires_after(kWatchdogPeriod);
    co_await timer.async_wait(kTuple);
    if (run.finished) break;
    const auto now = Clock::now();
    const bool cancelled = run.env.cancel.load();
    if (cancelled || now >= run.deadline || now - run.last_activity >= idle) {
      run.timed_out = !cancelled;
      if (run.close) run.close();
      if (cancelled) break;
    }
  }
}

}  // namespace

Outcome run_transfer(const TransferInput& input, const Env& env) {
  Run run(input, env);
  Outcome out;
  if (auto target = parse_target(input.url)) {
    run.target = std::move(*target);
  } else {
    env.log("Transfer: not an http:// or https:// URL: " + input.url);
    run.state = "Error_Other";
  }
  if (run.state.empty()) {
    asio::io_context io;
    run.deadline = Clock::now() + env.options.transfer_total_timeout;
    run.last_activity = Clock::now();
    asio::co_spawn(io, transfer(run), [&run](std::exception_ptr error) {
      run.finished = true;
      if (error && run.state.empty()) run.state = "Error_Internal";
    });
    asio::co_spawn(io, watchdog(run), asio::detached);
    io.run();
    if (run.state.empty()) run.state = "Complete";
  }
  out.state = run.state;
  out.values = {
      {"ROMTime", format_time(run.rom)},
      {"BOMTime", format_time(run.bom)},
      {"EOMTime", format_time(run.eom)},
      {input.upload ? "TestBytesSent" : "TestBytesReceived", std::to_string(run.test_bytes)},
      {"TotalBytesReceived", std::to_string(run.rx_total)},
      {"TotalBytesSent", std::to_string(run.tx_total)},
      {"TCPOpenRequestTime", format_time(run.tcp_request)},
      {"TCPOpenResponseTime", format_time(run.tcp_response)},
      {"IPAddressUsed", run.address_used},
  };
  return out;
}

}  // namespace cpe::diag
