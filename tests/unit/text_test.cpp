// The JSON edge: lossless names, UTF-8 as JSON defines it, type-checked reads.
#include <gtest/gtest.h>

#include "lib/text.hpp"

using namespace e4inline;

TEST(Utf8, AcceptsWellFormedAndRejectsOverlongSurrogatesAndPastMax) {
    EXPECT_TRUE(is_utf8("caf\xc3\xa9"));
    EXPECT_TRUE(is_utf8("\xf4\x8f\xbf\xbf"));   // U+10FFFF
    EXPECT_FALSE(is_utf8("a\xff"));
    EXPECT_FALSE(is_utf8("\xc0\xaf"));          // overlong '/'
    EXPECT_FALSE(is_utf8("\xed\xa0\x80"));      // a surrogate
    EXPECT_FALSE(is_utf8("\xf4\x90\x80\x80"));  // past U+10FFFF
    EXPECT_FALSE(is_utf8("\xe2\x82"));          // cut short
}

TEST(Utf8, LossyReplacesEachBadByteWithReplacementCharacter) {
    EXPECT_EQ(utf8_lossy("a\xff" "b"), "a\xef\xbf\xbd" "b");
    EXPECT_EQ(utf8_lossy("caf\xc3\xa9"), "caf\xc3\xa9");
}

TEST(Base64, RoundTripsEveryLengthAndRejectsNonCanonical) {
    std::string bytes;
    for (int n = 0; n < 40; ++n) {
        EXPECT_EQ(base64_decode(base64_encode(bytes)), bytes);
        bytes += static_cast<char>(n * 37 + 255);
    }
    EXPECT_EQ(base64_encode("a\xff"), "Yf8=");
    EXPECT_FALSE(base64_decode("Yf9="));  // nonzero bits the padding drops
    EXPECT_FALSE(base64_decode("Yf8"));
    EXPECT_FALSE(base64_decode("Y=f8"));
}

TEST(PutName, AddsB64OnlyForNamesThatAreNotUtf8) {
    nlohmann::ordered_json a, b;
    put_name(a, "name", std::string_view("a\xff"));
    put_name(b, "name", std::string_view("a\\xff"));
    EXPECT_EQ(a["name_b64"], "Yf8=");
    EXPECT_FALSE(b.contains("name_b64"));
    std::string why, got_a, got_b;
    ASSERT_TRUE(json_read_name(nlohmann::json::parse(json_text(a)), "name", got_a, why));
    ASSERT_TRUE(json_read_name(nlohmann::json::parse(json_text(b)), "name", got_b, why));
    EXPECT_EQ(got_a, "a\xff");
    EXPECT_EQ(got_b, "a\\xff");
}

TEST(JsonText, WritesStrayInvalidUtf8WithReplacementInsteadOfThrowing) {
    nlohmann::ordered_json j{{"detail", "bad \xff"}};
    EXPECT_EQ(json_text(j), "{\"detail\":\"bad \xef\xbf\xbd\"}");
}

TEST(JsonRead, NamesTheKeyAndWhatItIsInstead) {
    std::string why, s;
    std::uint64_t n = 0;
    const auto j = nlohmann::json::parse(R"({"format": 1, "version": "1", "inode": -3})");
    EXPECT_FALSE(json_read(j, "format", s, why));
    EXPECT_EQ(why, "\"format\" is a number, not a string");
    EXPECT_FALSE(json_read(j, "version", n, why));
    EXPECT_EQ(why, "\"version\" is a string, not a whole number of 0 or more");
    EXPECT_FALSE(json_read(j, "inode", n, why));
    EXPECT_EQ(why, "\"inode\" is a negative number, not a whole number of 0 or more");
    EXPECT_FALSE(json_read(j, "missing", s, why));
    EXPECT_EQ(why, "no \"missing\"");
    EXPECT_TRUE(json_read(j, "missing", s, why, Presence::optional));
    EXPECT_FALSE(json_read(nlohmann::json::parse("[1]"), "format", s, why));
}

TEST(ParseJson, RefusesNestingPastTheLimitAndNamesTheByteOfASyntaxError) {
    std::string why;
    EXPECT_FALSE(parse_json(std::string(100, '[') + std::string(100, ']'), why));
    EXPECT_EQ(why, "nested deeper than 64 levels");
    EXPECT_FALSE(parse_json("{\"a\": }", why));
    EXPECT_NE(why.find("syntax error at byte"), std::string::npos);
    EXPECT_TRUE(parse_json(std::string(60, '[') + std::string(60, ']'), why));
}
