// Docker's table layout: tabwriter widths (min 10, padding 3), ids cut to 12, `…`.
#include <gtest/gtest.h>

#include "miniswarm/cli/table.hpp"

namespace miniswarm::cli {
namespace {

TEST(RenderTable, ColumnIsWidestCellPlusThreeButAtLeastTen) {
  std::string text = render_table({{"ID", "NAME", "IMAGE"}, {"abcdefghijkl", "web", "busybox"}});
  EXPECT_EQ(text,
            "ID             NAME      IMAGE\n"
            "abcdefghijkl   web       busybox\n");
}

TEST(RenderTable, LastColumnIsNotPaddedAndTrailingSpacesGo) {
  std::string text = render_table({{"A", "B", "C"}, {"x", "y", ""}});
  EXPECT_EQ(text,
            "A         B         C\n"
            "x         y\n");
}

TEST(RenderTable, WidthCountsCharactersNotBytes) {
  std::string text = render_table({{"ERR", "N"}, {"abcdefghij\xE2\x80\xA6", "1"}});
  // 11 characters (14 bytes) + 3 padding = 14 columns before N.
  EXPECT_EQ(text,
            "ERR           N\n"
            "abcdefghij\xE2\x80\xA6   1\n");
}

TEST(RenderTable, ShortRowsGetEmptyCells) {
  EXPECT_EQ(render_table({{"A", "B"}, {"x"}}), "A         B\nx\n");
}

TEST(TruncateId, KeepsTwelveCharacters) {
  EXPECT_EQ(truncate_id("k3v9x0q2m8r1z5b7n4c6w2y8a"), "k3v9x0q2m8r1");
  EXPECT_EQ(truncate_id("short"), "short");
}

TEST(Ellipsis, CutTextEndsInOneEllipsisCharacter) {
  EXPECT_EQ(ellipsis("no suitable node (2 nodes are down)", 10), "no suitab\xE2\x80\xA6");
  EXPECT_EQ(display_width(ellipsis("no suitable node (2 nodes are down)", 10)), 10u);
  EXPECT_EQ(ellipsis("short", 10), "short");
  EXPECT_EQ(ellipsis("exactly10!", 10), "exactly10!");
}

TEST(Capitalize, FirstLetterOnly) {
  EXPECT_EQ(capitalize("running"), "Running");
  EXPECT_EQ(capitalize("on-failure"), "On-failure");
  EXPECT_EQ(capitalize(""), "");
}

TEST(NaturalLess, DigitRunsCompareAsNumbers) {
  EXPECT_TRUE(natural_less("node-2", "node-10"));
  EXPECT_FALSE(natural_less("node-10", "node-2"));
  EXPECT_TRUE(natural_less("node-02", "node-3"));
  EXPECT_TRUE(natural_less("a", "b"));
  EXPECT_TRUE(natural_less("node", "node-1"));
  EXPECT_FALSE(natural_less("node-1", "node-1"));
}

}  // namespace
}  // namespace miniswarm::cli
