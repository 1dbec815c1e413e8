// The catalog and tag listings from the store's rows (registry/registry_listing.hpp).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "miniswarm/registry/registry_listing.hpp"

namespace miniswarm::registry {
namespace {

using imagebuilder::store::ImageSummary;

std::vector<ImageSummary> rows() {
  auto row = [](std::string repository, std::string tag) {
    ImageSummary s;
    s.repository = std::move(repository);
    s.tag = std::move(tag);
    return s;
  };
  return {row("web", "2"), row("busybox", "latest"), row("<none>", "<none>"), row("web", "1"),
          row("team/app", "v1")};
}

TEST(RegistryListing, RepositoriesAreSortedOnceEachWithoutUntagged) {
  EXPECT_EQ(repositories(rows()), (std::vector<std::string>{"busybox", "team/app", "web"}));
}

TEST(RegistryListing, TagsOfOneRepositorySorted) {
  EXPECT_EQ(tags_of(rows(), "web"), (std::vector<std::string>{"1", "2"}));
  EXPECT_TRUE(tags_of(rows(), "nope").empty());
}

TEST(RegistryListing, PageStartsAfterLastAndStopsAtN) {
  std::vector<std::string> all{"a", "b", "c", "d"};
  Page p = page_of(all, 2, "a");
  EXPECT_EQ(p.entries, (std::vector<std::string>{"b", "c"}));
  EXPECT_TRUE(p.more);
  Page rest = page_of(all, 2, "c");
  EXPECT_EQ(rest.entries, (std::vector<std::string>{"d"}));
  EXPECT_FALSE(rest.more);
}

TEST(RegistryListing, NoLimitGivesEverything) {
  Page p = page_of({"a", "b"}, std::nullopt, "");
  EXPECT_EQ(p.entries.size(), 2u);
  EXPECT_FALSE(p.more);
}

TEST(RegistryListing, BodiesHaveTheSpecsKeys) {
  auto catalog = nlohmann::json::parse(catalog_body({"web"}));
  EXPECT_EQ(catalog["repositories"], nlohmann::json::array({"web"}));
  auto tags = nlohmann::json::parse(tags_list_body("web", {"1", "2"}));
  EXPECT_EQ(tags["name"], "web");
  EXPECT_EQ(tags["tags"], nlohmann::json::array({"1", "2"}));
}

}  // namespace
}  // namespace miniswarm::registry
