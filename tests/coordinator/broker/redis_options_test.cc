#include "coordinator/broker/redis_options.h"

#include <stdexcept>

#include <gtest/gtest.h>

namespace xacoord::broker {
namespace {

TEST(RedisOptionsTest, ParsesTheUrlsServeTakes) {
  auto o = parse_redis_url("redis://127.0.0.1:6390");
  EXPECT_EQ(o.host, "127.0.0.1");
  EXPECT_EQ(o.port, 6390);
  EXPECT_EQ(parse_redis_url("redis://localhost:7000/").host, "127.0.0.1");
  auto v6 = parse_redis_url("redis://[::1]:6390");
  EXPECT_EQ(v6.host, "::1");
  EXPECT_EQ(to_url(v6), "redis://[::1]:6390");
  EXPECT_EQ(to_url(o), "redis://127.0.0.1:6390");
}

TEST(RedisOptionsTest, RefusesWhatItCannotHonour) {
  for (const char* bad :
       {"", "127.0.0.1:6390", "http://127.0.0.1:6390", "redis://127.0.0.1", "redis://:6390",
        "redis://127.0.0.1:0", "redis://127.0.0.1:65536", "redis://127.0.0.1:63a",
        "redis://redis.example:6390", "redis://user@127.0.0.1:6390", "redis://127.0.0.1:6390/1",
        "redis://[::1:6390"}) {
    EXPECT_THROW(parse_redis_url(bad), std::invalid_argument) << bad;
  }
  try {
    parse_redis_url("redis://redis.example:6390");
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("numeric"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace xacoord::broker
