// What the NBI answered, as the NBI and end-to-end tests read it.
#pragma once

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>
#include <string_view>

#include "net/http_types.hpp"

namespace test_support {

struct NbiReply {
  unsigned status = 0;
  std::string reason;
  std::string body;
  net::HttpResponse message;

  boost::json::value json() const {
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(body, ec);
    EXPECT_FALSE(ec) << "not JSON: " << body;
    return v;
  }
  std::string header(std::string_view name) const {
    const auto it = message.find(name);
    return it == message.end() ? std::string()
                               : std::string(it->value().data(), it->value().size());
  }
};

}  // namespace test_support
