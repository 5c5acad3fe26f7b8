// Strict resource names and bounded quoting of input (common/resource_names).
#include "common/resource_names.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace ent {
namespace {

using ::testing::HasSubstr;

TEST(QuoteInput, EscapesControlCharactersQuotesAndInvalidUtf8) {
  EXPECT_EQ(QuoteInput("a\nb'c\\"), "'a\\x0ab\\x27c\\x5c'");
  EXPECT_EQ(QuoteInput("\xc3\x28"), "'\\xc3('");
  EXPECT_EQ(QuoteInput("Saint-Ambroix é"), "'Saint-Ambroix é'");
}

TEST(QuoteInput, CutsLongInputAtACharacterBoundaryAndSaysHowLong) {
  const std::string long_input(9000, 'x');
  const std::string quoted = QuoteInput(long_input, 10);
  EXPECT_EQ(quoted, "'xxxxxxxxxx'... (9000 bytes)");
  // "é" is two bytes: never cut in the middle.
  EXPECT_EQ(QuoteInput("aé", 2), "'a'... (3 bytes)");
}

TEST(ParseCanonicalNumber, AcceptsOnlyTheOneSpelling) {
  int64_t n = 0;
  EXPECT_TRUE(ParseCanonicalNumber("12", &n));
  EXPECT_EQ(n, 12);
  EXPECT_TRUE(ParseCanonicalNumber("0", &n));
  for (const char* bad : {"", "+1", " 1", "1 ", "01", "-1", "1x", "9999999999999999999"}) {
    EXPECT_FALSE(ParseCanonicalNumber(bad, &n)) << bad;
  }
}

TEST(ParseTitreName, AcceptsTheServiceSpellingOnly) {
  auto ok = ParseTitreName("titres/2021-000001", "name");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->first, 2021);
  EXPECT_EQ(ok->second, 1);
  EXPECT_TRUE(ParseTitreName("titres/2021-1234567", "name").ok());
  for (const char* bad : {"titres/2026-+00001", "titres/2026- 00001", "titres/2026-00001",
                          "titres/2026-0000001", "titres/2026-000000", "titres/+026-000001",
                          "titres/2026-000001 ", "titre/2026-000001", "titres/2026"}) {
    auto st = ParseTitreName(bad, "name");
    EXPECT_EQ(st.status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

TEST(ParseDisputeName, RefusesAliasesOfTheNumber) {
  auto ok = ParseDisputeName("conventions/30227-2021/disputes/12", "name");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->first, "30227-2021");
  EXPECT_EQ(ok->second, 12);
  for (const char* bad : {"conventions/30227-2021/disputes/01", "conventions/30227-2021/disputes/+1",
                          "conventions/30227-2021/disputes/0", "conventions/X/disputes/1",
                          "conventions/30227-2021/disputes/1/"}) {
    EXPECT_FALSE(ParseDisputeName(bad, "name").ok()) << bad;
  }
}

TEST(ParseConventionName, RefusesOverlongNamesNamingTheBound) {
  auto st = ParseConventionName("conventions/" + std::string(9000, 'a'), "name");
  EXPECT_EQ(st.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(st.status().message()), HasSubstr("at most 200 bytes"));
  EXPECT_LT(st.status().message().size(), 200u);
  auto bad = ParseConventionName("conventions/Bad\nName", "parent");
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr("'conventions/Bad\\x0aName'"));
}

}  // namespace
}  // namespace ent
