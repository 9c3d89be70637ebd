#include "protocol/crc32c.h"

#include <string>

#include <gtest/gtest.h>

namespace xacoord {
namespace {

// Known answers from RFC 3720 (iSCSI), appendix B.4.
TEST(Crc32c, MatchesPublishedVectors) {
  EXPECT_EQ(crc32c::value(std::string(32, '\0')), 0x8a9136aau);
  EXPECT_EQ(crc32c::value(std::string(32, '\xff')), 0x62a8ab43u);
  std::string ascending;
  for (int i = 0; i < 32; ++i)
    ascending.push_back(static_cast<char>(i));
  EXPECT_EQ(crc32c::value(ascending), 0x46dd794eu);
  EXPECT_EQ(crc32c::value("123456789"), 0xe3069283u);
}

TEST(Crc32c, ExtendEqualsWholeAtEverySplit) {
  std::string data = "the decision log must never lose a commit decision";
  for (std::size_t cut = 0; cut <= data.size(); ++cut) {
    auto first = crc32c::extend(0, data.data(), cut);
    EXPECT_EQ(crc32c::extend(first, data.data() + cut, data.size() - cut), crc32c::value(data));
  }
}

TEST(Crc32c, MaskRoundTripsAndDiffers) {
  for (std::uint32_t v : {0u, 1u, 0xdeadbeefu, 0xffffffffu}) {
    EXPECT_EQ(crc32c::unmask(crc32c::mask(v)), v);
    EXPECT_NE(crc32c::mask(v), v);
  }
}

}  // namespace
}  // namespace xacoord
