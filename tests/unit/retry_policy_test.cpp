// Tests of the TR-069 §3.2.1.1 session retry wait interval (cwmp/retry_policy.hpp).
#include "cwmp/retry_policy.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>

namespace cwmp {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// The largest double below 1: the "random source at ~1" of the tests.
const double kAlmostOne = std::nextafter(1.0, 0.0);

RetryWindow window_ms(std::int64_t min, std::int64_t max) {
  return RetryWindow{milliseconds(min), milliseconds(max)};
}

// (Clang before 16 has no parenthesised aggregate initialisation, and braces do
// not survive the EXPECT_* macros.)
RetryWindow make_window(milliseconds min, milliseconds max) {
  return RetryWindow{min, max};
}

// CWMP-FACTS §5 table (m = 5, k = 2000), retry #1 .. #10, in seconds.
struct TableRow {
  std::uint32_t retry;
  std::int64_t min_s;
  std::int64_t max_s;
};
constexpr TableRow kDefaultTable[] = {
    {1, 5, 10},    {2, 10, 20},   {3, 20, 40},    {4, 40, 80},     {5, 80, 160},
    {6, 160, 320}, {7, 320, 640}, {8, 640, 1280}, {9, 1280, 2560}, {10, 2560, 5120},
};

TEST(RetryPolicyTest, DefaultsAreTheSpecDefaults) {
  const RetryPolicy policy;
  EXPECT_EQ(policy.minimum_wait_interval, 5u);
  EXPECT_EQ(policy.interval_multiplier, 2000u);
}

TEST(RetryPolicyTest, DefaultTableWindows) {
  for (const TableRow& row : kDefaultTable) {
    SCOPED_TRACE(row.retry);
    const RetryWindow window = retry_window(row.retry, RetryPolicy{});
    EXPECT_EQ(window.min, seconds(row.min_s));
    EXPECT_EQ(window.max, seconds(row.max_s));
  }
}

TEST(RetryPolicyTest, DefaultTableRandomSourceAtZeroAndAtAlmostOne) {
  for (const TableRow& row : kDefaultTable) {
    SCOPED_TRACE(row.retry);
    EXPECT_EQ(retry_wait(row.retry, RetryPolicy{}, 0.0), seconds(row.min_s));
    EXPECT_EQ(retry_wait(row.retry, RetryPolicy{}, kAlmostOne), seconds(row.max_s));
  }
}

TEST(RetryPolicyTest, WindowsFromTheTenthRetryOnStayTheTenth) {
  const RetryWindow tenth = retry_window(10, RetryPolicy{});
  EXPECT_EQ(tenth, window_ms(2'560'000, 5'120'000));
  EXPECT_EQ(retry_window(11, RetryPolicy{}), tenth);
  EXPECT_EQ(retry_window(50, RetryPolicy{}), tenth);
  EXPECT_EQ(retry_window(std::numeric_limits<std::uint32_t>::max(), RetryPolicy{}), tenth);
  EXPECT_EQ(retry_wait(50, RetryPolicy{}, kAlmostOne), seconds(5120));
  // The ninth is still different: the cap starts at 10, not earlier.
  EXPECT_NE(retry_window(9, RetryPolicy{}), tenth);
}

TEST(RetryPolicyTest, RetryCountZeroIsTreatedAsTheFirstRetry) {
  EXPECT_EQ(retry_window(0, RetryPolicy{}), retry_window(1, RetryPolicy{}));
  EXPECT_EQ(retry_wait(0, RetryPolicy{}, 0.0), seconds(5));
}

TEST(RetryPolicyTest, NonDefaultMinimumAndMultiplier) {
  // m = 30 s, k = 1.5: edges 30·1.5^e s, floored to the millisecond.
  const RetryPolicy policy{30, 1500};
  constexpr std::int64_t kEdges[] = {30000,  45000,  67500,  101250,  151875, 227812,
                                     341718, 512578, 768867, 1153300, 1729951};
  for (std::uint32_t n = 1; n <= 10; ++n) {
    SCOPED_TRACE(n);
    EXPECT_EQ(retry_window(n, policy), window_ms(kEdges[n - 1], kEdges[n]));
  }
  EXPECT_EQ(retry_window(42, policy), window_ms(kEdges[9], kEdges[10]));
}

TEST(RetryPolicyTest, FractionalMultiplierEdgesAreFlooredExactly) {
  // 7·1.234^e s; reference values computed with exact rationals.
  const RetryPolicy policy{7, 1234};
  constexpr std::int64_t kEdges[] = {7000,  8638,  10659, 13153, 16231, 20029,
                                     24716, 30500, 37637, 46444, 57312};
  for (std::uint32_t n = 1; n <= 10; ++n) {
    SCOPED_TRACE(n);
    EXPECT_EQ(retry_window(n, policy), window_ms(kEdges[n - 1], kEdges[n]));
  }
}

TEST(RetryPolicyTest, SmallestMultiplierAboveOneGrowsByTheMillisecond) {
  // m = 1 s, k = 1.001: 1.001^10 = 1.01004512... s. A floating-point
  // floor(1000 * 1.001) gives 1000 here (1.001 is not exact in binary), hence the
  // integer arithmetic.
  const RetryPolicy policy{1, 1001};
  EXPECT_EQ(retry_window(1, policy), window_ms(1000, 1001));
  EXPECT_EQ(retry_window(10, policy), window_ms(1009, 1010));
}

TEST(RetryPolicyTest, MultiplierOneGivesAConstantWait) {
  const RetryPolicy policy{12, 1000};
  for (std::uint32_t n : {1u, 2u, 10u, 50u}) {
    SCOPED_TRACE(n);
    EXPECT_EQ(retry_window(n, policy), window_ms(12000, 12000));
    EXPECT_EQ(retry_wait(n, policy, kAlmostOne), seconds(12));
  }
}

TEST(RetryPolicyTest, LargestMinimumWithDefaultMultiplierIsNotCapped) {
  const RetryPolicy policy{65535, 2000};
  EXPECT_EQ(retry_window(10, policy), make_window(seconds(65535 * 512), seconds(65535 * 1024)));
}

TEST(RetryPolicyTest, ExtremeSettingsSaturateAtTheCap) {
  // m = k = 65535: 65535 s · 65.535^e exceeds 2^32-1 s from e = 3 on.
  const RetryPolicy policy{65535, 65535};
  EXPECT_EQ(retry_window(1, policy), window_ms(65'535'000, 4'294'836'225));
  EXPECT_EQ(retry_window(2, policy), window_ms(4'294'836'225, 281'462'092'005));
  EXPECT_EQ(retry_window(3, policy), make_window(milliseconds(281'462'092'005), kMaxRetryWait));
  EXPECT_EQ(retry_window(10, policy), make_window(kMaxRetryWait, kMaxRetryWait));
  EXPECT_EQ(retry_wait(50, policy, kAlmostOne), kMaxRetryWait);
  EXPECT_EQ(kMaxRetryWait, seconds(4'294'967'295));
}

TEST(RetryPolicyTest, OutOfRangeSettingsAreClamped) {
  EXPECT_EQ(clamped(RetryPolicy{0, 0}), (RetryPolicy{1, 1000}));
  EXPECT_EQ(clamped(RetryPolicy{100000, 100000}), (RetryPolicy{65535, 65535}));
  EXPECT_EQ(clamped(RetryPolicy{5, 999}), (RetryPolicy{5, 1000}));
  EXPECT_EQ(clamped(RetryPolicy{65535, 65535}), (RetryPolicy{65535, 65535}));
  EXPECT_EQ(clamped(RetryPolicy{1, 1000}), (RetryPolicy{1, 1000}));

  EXPECT_EQ(retry_window(3, RetryPolicy{0, 2000}), retry_window(3, RetryPolicy{1, 2000}));
  EXPECT_EQ(retry_window(3, RetryPolicy{0, 2000}), make_window(seconds(4), seconds(8)));
  EXPECT_EQ(retry_window(3, RetryPolicy{5, 500}), make_window(seconds(5), seconds(5)));
  EXPECT_EQ(retry_window(2, RetryPolicy{std::numeric_limits<std::uint32_t>::max(), 2000}),
            make_window(seconds(65535 * 2), seconds(65535 * 4)));
  EXPECT_EQ(retry_window(1, RetryPolicy{5, std::numeric_limits<std::uint32_t>::max()}),
            retry_window(1, RetryPolicy{5, 65535}));
}

TEST(RetryPolicyTest, WindowsAreContiguousAndGrowing) {
  const RetryPolicy policies[] = {{1, 1000}, {5, 2000}, {7, 1234}, {300, 3000}, {65535, 65535}};
  for (const RetryPolicy& policy : policies) {
    for (std::uint32_t n = 1; n < 10; ++n) {
      SCOPED_TRACE(testing::Message() << policy.minimum_wait_interval << "/"
                                      << policy.interval_multiplier << " n=" << n);
      const RetryWindow current = retry_window(n, policy);
      const RetryWindow next = retry_window(n + 1, policy);
      EXPECT_LE(current.min, current.max);
      EXPECT_EQ(current.max, next.min);
      EXPECT_LE(next.max, kMaxRetryWait);
    }
  }
}

TEST(RetryPolicyTest, PickCoversEveryMillisecondOfTheClosedRange) {
  const RetryWindow window = window_ms(100, 103);  // 4 possible values
  EXPECT_EQ(pick_retry_wait(window, 0.0), milliseconds(100));
  EXPECT_EQ(pick_retry_wait(window, 0.2499), milliseconds(100));
  EXPECT_EQ(pick_retry_wait(window, 0.25), milliseconds(101));
  EXPECT_EQ(pick_retry_wait(window, 0.5), milliseconds(102));
  EXPECT_EQ(pick_retry_wait(window, 0.75), milliseconds(103));
  EXPECT_EQ(pick_retry_wait(window, kAlmostOne), milliseconds(103));
  EXPECT_EQ(pick_retry_wait(window_ms(5000, 10000), 0.5), milliseconds(7500));
}

TEST(RetryPolicyTest, PickClampsOutOfRangeUnits) {
  const RetryWindow window = window_ms(5000, 10000);
  EXPECT_EQ(pick_retry_wait(window, -0.5), milliseconds(5000));
  EXPECT_EQ(pick_retry_wait(window, std::numeric_limits<double>::quiet_NaN()), milliseconds(5000));
  EXPECT_EQ(pick_retry_wait(window, 1.0), milliseconds(10000));
  EXPECT_EQ(pick_retry_wait(window, 7.0), milliseconds(10000));
  EXPECT_EQ(pick_retry_wait(window, std::numeric_limits<double>::infinity()), milliseconds(10000));
}

TEST(RetryPolicyTest, PickOnDegenerateWindowsReturnsTheMinimum) {
  EXPECT_EQ(pick_retry_wait(window_ms(42, 42), 0.9), milliseconds(42));
  EXPECT_EQ(pick_retry_wait(window_ms(42, 7), 0.9), milliseconds(42));
}

TEST(RetryPolicyTest, PickOnTheLargestWindowStaysInRange) {
  const RetryWindow window{milliseconds(0), kMaxRetryWait};
  EXPECT_EQ(pick_retry_wait(window, kAlmostOne), kMaxRetryWait);
  EXPECT_EQ(pick_retry_wait(window, 0.5), milliseconds(kMaxRetryWait.count() / 2));
}

// A generator that always returns the same value: lets the template overload be
// driven to either end of the window.
template <std::uint32_t kValue>
struct ConstantGenerator {
  using result_type = std::uint32_t;
  static constexpr result_type min() { return 0; }
  static constexpr result_type max() { return std::numeric_limits<result_type>::max(); }
  result_type operator()() { return kValue; }
};

TEST(RetryPolicyTest, GeneratorOverloadHitsBothEnds) {
  ConstantGenerator<0> low;
  ConstantGenerator<std::numeric_limits<std::uint32_t>::max()> high;
  EXPECT_EQ(retry_wait(4, RetryPolicy{}, low), seconds(40));
  EXPECT_EQ(retry_wait(4, RetryPolicy{}, high), seconds(80));
}

TEST(RetryPolicyTest, SeededGeneratorStaysInsideAndSpreadsOverTheWindow) {
  std::mt19937_64 generator(20240601);
  const RetryWindow window = retry_window(3, RetryPolicy{});  // [20 s, 40 s]
  int lower_half = 0;
  int upper_half = 0;
  for (int i = 0; i < 2000; ++i) {
    const milliseconds wait = retry_wait(3, RetryPolicy{}, generator);
    ASSERT_GE(wait, window.min);
    ASSERT_LE(wait, window.max);
    (wait < seconds(30) ? lower_half : upper_half) += 1;
  }
  // Uniform: each half gets about 1000; 800 is far outside any plausible deviation.
  EXPECT_GT(lower_half, 800);
  EXPECT_GT(upper_half, 800);
}

}  // namespace
}  // namespace cwmp
