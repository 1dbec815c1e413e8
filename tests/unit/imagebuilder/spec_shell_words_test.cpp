// Variable substitution in Dockerfile words: a table of inputs and results in the
// spirit of BuildKit's envVarTest (same environment: PWD, SHELL, KOREAN, NULL), then
// word splitting, the backtick escape, and the errors.
#include "imagebuilder/spec/shell_words.hpp"

#include <gtest/gtest.h>

namespace imagebuilder::spec {
namespace {

const Environment& test_env() {
  static const Environment env{{"PWD", "/home"}, {"SHELL", "bash"}, {"KOREAN", "한국어"}, {"NULL", ""}};
  return env;
}

struct WordCase {
  const char* input;
  const char* expected;  ///< nullptr: must fail
};

TEST(ShellWords, ExpandWordTable) {
  const WordCase cases[] = {
      {"hello", "hello"},
      {"he'll'o", "hello"},
      {"he'llo", nullptr},
      {"he\\'llo", "he'llo"},
      {"he\\\\'llo", nullptr},
      {"'hello'", "hello"},
      {"\"hello\"", "hello"},
      {"\"''\"", "''"},
      {"'\"\"'", "\"\""},
      {"$.", "$."},
      {"$", "$"},
      {"he$1x", "hex"},
      {"he$.x", "he$.x"},
      {"he$pwd.", "he."},
      {"he$PWD", "he/home"},
      {"he\\$PWD", "he$PWD"},
      {"he\\\\$PWD", "he\\/home"},
      {"\"he\\$PWD\"", "he$PWD"},
      {"\"he\\x\"", "he\\x"},
      {"\"he\\\"x\"", "he\"x"},
      {"'he\\$PWD'", "he\\$PWD"},
      {"'he$PWD'", "he$PWD"},
      {"\"he$PWD\"", "he/home"},
      {"he${PWD}", "he/home"},
      {"he${PWD}xx", "he/homexx"},
      {"he${PWD:=000}xx", nullptr},
      {"he${PWD:+${PWD}}xx", "he/homexx"},
      {"he${XXX:+000}xx", "hexx"},
      {"he${XXX:-000}xx", "he000xx"},
      {"he${PWD:-000}xx", "he/homexx"},
      {"he${XXX:-$PWD}xx", "he/homexx"},
      {"he${XXX:-${PWD:-yyy}}xx", "he/homexx"},
      {"he${XXX:-${YYY:-yyy}}xx", "heyyyxx"},
      {"he${XXX:-'a b'}xx", "hea bxx"},
      {"he${XXX:YYY}", nullptr},
      {"he${PWD?}", "he/home"},
      {"he${PWD:?}", "he/home"},
      {"he${XXX?}", nullptr},
      {"he${XXX:?}", nullptr},
      {"he${NULL?}", "he"},
      {"he${NULL:?}", nullptr},
      {"he${NULL-x}", "he"},
      {"he${NULL:-x}", "hex"},
      {"he${NULL+x}", "hex"},
      {"he${NULL:+x}", "he"},
      {"${}", nullptr},
      {"${", nullptr},
      {"${PWD", nullptr},
      {"${PWD:-x", nullptr},
      {"${:x}", nullptr},
      {"$KOREAN", "한국어"},
      {"안녕$KOREAN", "안녕한국어"},
      {"a\\", "a"},
      {"\"a b\"  c", "a b  c"},
      {"\"unterminated", nullptr},
  };
  for (const WordCase& c : cases) {
    SCOPED_TRACE(c.input);
    auto got = expand_word(c.input, test_env());
    if (c.expected == nullptr) {
      EXPECT_FALSE(got.ok()) << "expanded to: " << *got;
    } else {
      ASSERT_TRUE(got.ok()) << got.error().what();
      EXPECT_EQ(*got, c.expected);
    }
  }
}

TEST(ShellWords, UnsetVariableWithQuestionMarkGivesItsMessage) {
  auto got = expand_word("${XXX:?please set XXX$PWD}", test_env());
  ASSERT_FALSE(got.ok());
  EXPECT_NE(got.error().what().find("XXX: please set XXX/home"), std::string::npos) << got.error().what();
  auto empty = expand_word("${NULL:?}", test_env());
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.error().what().find("NULL: is not allowed to be empty"), std::string::npos);
}

TEST(ShellWords, PatternModifiersAreRefusedClearly) {
  for (const char* word : {"${PWD%/*}", "${PWD#/}", "${PWD/h/x}"}) {
    auto got = expand_word(word, test_env());
    ASSERT_FALSE(got.ok()) << word;
    EXPECT_NE(got.error().what().find("unsupported modifier"), std::string::npos) << got.error().what();
  }
}

TEST(ShellWords, ErrorsNameTheWord) {
  auto got = expand_word("a'b", test_env());
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().what(),
            "failed to process \"a'b\": unexpected end of statement while looking for matching single-quote");
}

TEST(ShellWords, BacktickIsTheEscapeWhenChosen) {
  auto got = expand_word("he`$PWD", test_env(), '`');
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, "he$PWD");
  auto backslash = expand_word("C:\\$PWD", test_env(), '`');
  ASSERT_TRUE(backslash.ok());
  EXPECT_EQ(*backslash, "C:\\/home");  // a backslash is an ordinary character then
}

struct WordsCase {
  const char* input;
  std::vector<std::string> expected;
};

TEST(ShellWords, ExpandWordsSplitsOutsideQuotes) {
  Environment env{{"SPACED", "a  b"}, {"ONE", "x"}};
  const WordsCase cases[] = {
      {"hello world", {"hello", "world"}},
      {"  hello   world  ", {"hello", "world"}},
      {"\"hello world\"", {"hello world"}},
      {"'a b' c", {"a b", "c"}},
      {"hello\\ world", {"hello world"}},
      {"$SPACED", {"a", "b"}},
      {"\"$SPACED\"", {"a  b"}},
      {"x$SPACED", {"xa", "b"}},
      {"$ONE$ONE y", {"xx", "y"}},
      {"\"\"", {}},
      {"a \"\" b", {"a", "b"}},
      {"$NOPE", {}},
      {"src/ dest/", {"src/", "dest/"}},
  };
  for (const WordsCase& c : cases) {
    SCOPED_TRACE(c.input);
    auto got = expand_words(c.input, env);
    ASSERT_TRUE(got.ok()) << got.error().what();
    EXPECT_EQ(*got, c.expected);
  }
}

TEST(ShellWords, EnvironmentSetReplacesInPlace) {
  Environment env{{"A", "1"}, {"B", "2"}};
  env.set("A", "3");
  EXPECT_EQ(env.to_list(), (std::vector<std::string>{"A=3", "B=2"}));
  EXPECT_EQ(env.find("C"), nullptr);
}

}  // namespace
}  // namespace imagebuilder::spec
