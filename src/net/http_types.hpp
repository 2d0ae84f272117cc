// The message types shared by the HTTP server and client. Only Beast's message
// headers, not its I/O: callers that build and inspect messages stay cheap to compile.
#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

namespace net {

namespace http = boost::beast::http;

using Request = http::request<http::string_body>;
using HttpResponse = http::response<http::string_body>;

}  // namespace net
