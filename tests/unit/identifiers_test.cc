#include "common/identifiers.h"

#include <gtest/gtest.h>

#include "common/civil_date.h"

namespace ent {
namespace {

TEST(UaiTest, AcceptsValidCheckLettersAndUpperCasesThem) {
  const std::pair<const char*, const char*> cases[] = {
      {"0300673U", "0300673U"}, {"0301531B", "0301531B"}, {"0300673u", "0300673U"},
      {"0000000A", "0000000A"}, {"0000023A", "0000023A"}, {"0000022Z", "0000022Z"},
  };
  for (const auto& [input, expected] : cases) {
    auto uai = NormalizeUai(input);
    ASSERT_TRUE(uai.ok()) << input << ": " << uai.status();
    EXPECT_EQ(*uai, expected);
  }
}

TEST(UaiTest, RejectsMalformedOrWrongCheckLetter) {
  for (const char* input : {"", "0300673", "0300673V", "030067U", "03006730U", "A300673U",
                            "0300673I", "0300673-", " 0300673U"}) {
    EXPECT_FALSE(NormalizeUai(input).ok()) << input;
  }
  auto wrong = NormalizeUai("0300673V");
  EXPECT_NE(wrong.status().message().find("must end with U"), absl::string_view::npos)
      << wrong.status();
}

TEST(InseeCodeTest, AcceptsDigitsAndCorsica) {
  for (const char* input : {"30227", "18198", "2A004", "2B033", "2a004", "97411"}) {
    EXPECT_TRUE(NormalizeInseeCode(input).ok()) << input;
  }
  EXPECT_EQ(*NormalizeInseeCode("2b033"), "2B033");
}

TEST(InseeCodeTest, RejectsMalformed) {
  for (const char* input : {"", "3022", "302270", "2C004", "3O227", "00000", "2A0B4"}) {
    EXPECT_FALSE(NormalizeInseeCode(input).ok()) << input;
  }
}

TEST(SirenTest, AcceptsLuhnValid) {
  for (const char* input : {"213002272", "213401722", "732829320", "000000000"}) {
    EXPECT_TRUE(NormalizeSiren(input).ok()) << input;
  }
}

TEST(SirenTest, RejectsBadLuhnOrShape) {
  for (const char* input : {"213002273", "213002227", "21300227", "2130022722", "21300227A", ""}) {
    EXPECT_FALSE(NormalizeSiren(input).ok()) << input;
  }
}

TEST(SchoolYearTest, ParsesConsecutiveYears) {
  auto year = SchoolYear::Parse("2021-2022");
  ASSERT_TRUE(year.ok());
  EXPECT_EQ(year->first_day(), CivilDate(2021, 9, 1));
  EXPECT_EQ(year->last_day(), CivilDate(2022, 8, 31));
  EXPECT_TRUE(year->Contains(CivilDate(2022, 8, 31)));
  EXPECT_FALSE(year->Contains(CivilDate(2022, 9, 1)));
  EXPECT_EQ(year->Next().ToString(), "2022-2023");
}

TEST(SchoolYearTest, RejectsMalformed) {
  for (const char* input : {"2021-2023", "2021-2021", "2021/2022", "21-22", "2021-20222",
                            "", "abcd-efgh", "1999-2000"}) {
    EXPECT_FALSE(SchoolYear::Parse(input).ok()) << input;
  }
}

TEST(CivilDateTest, ParsesOnlyExistingDates) {
  EXPECT_EQ(ParseIsoDate("2024-02-29"), CivilDate(2024, 2, 29));
  EXPECT_FALSE(ParseIsoDate("2022-04-31").has_value());
  EXPECT_FALSE(ParseIsoDate("2023-02-29").has_value());
  EXPECT_FALSE(ParseIsoDate("2022-4-30").has_value());
  EXPECT_FALSE(MakeDate(2022, 13, 1).has_value());
  EXPECT_EQ(FormatIsoDate(CivilDate(2022, 5, 2)), "2022-05-02");
}

}  // namespace
}  // namespace ent
