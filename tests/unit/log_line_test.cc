// LogLine writes its JSON as it is built: every line parses, values come back
// as given (escaped), invalid UTF-8 is replaced, and the output is what a JSON
// encoder writes for the same object.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "common/log_sink.h"

namespace ent {
namespace {

TEST(LogLine, ParsesBackWithEveryValue) {
  const std::string tricky = std::string("quote \" backslash \\ newline \n tab \t bell \x07 nul ") +
                             std::string(1, '\0') + " é € 🙂";
  const std::string line = LogLine("info", "call")
                               .Add("method", "/ent.convention.v1.ConventionService/GetConvention")
                               .Add("tricky", tricky)
                               .Add("count", int64_t{-42})
                               .Add("ratio", 0.25)
                               .Json();
  ASSERT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1) << "one line";
  const auto j = nlohmann::ordered_json::parse(line);
  EXPECT_EQ(j["level"], "info");
  EXPECT_EQ(j["event"], "call");
  EXPECT_EQ(j["tricky"], tricky);
  EXPECT_EQ(j["count"], -42);
  EXPECT_EQ(j["ratio"], 0.25);
  // The same bytes as the JSON encoder's for the same object.
  EXPECT_EQ(j.dump() + "\n", line);
  std::vector<std::string> keys;
  for (const auto& [k, v] : j.items()) keys.push_back(k);
  EXPECT_THAT(keys, ::testing::ElementsAre("time", "level", "event", "method", "tricky", "count", "ratio"));
}

TEST(LogLine, InvalidUtf8IsReplaced) {
  for (const std::string& bad : {std::string("\xff"), std::string("a\xc3"), std::string("\xed\xa0\x80"),
                                std::string("\xc0\xaf"), std::string("\xf4\x90\x80\x80")}) {
    const std::string line = LogLine("warn", "x").Add("v", bad).Json();
    nlohmann::json j;
    ASSERT_NO_THROW(j = nlohmann::json::parse(line)) << line;
    EXPECT_THAT(j["v"].get<std::string>(), ::testing::HasSubstr("\xEF\xBF\xBD")) << line;
  }
}

TEST(LogLine, NonFiniteNumbersAreNull) {
  const auto j = nlohmann::json::parse(LogLine("info", "x").Add("v", 1.0 / 0.0).Json());
  EXPECT_TRUE(j["v"].is_null());
}

}  // namespace
}  // namespace ent
