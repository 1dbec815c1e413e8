// Build cache keys: what changes a key, what does not, and how a miss is explained.
#include "imagebuilder/build/cache_key.hpp"

#include <gtest/gtest.h>

namespace imagebuilder::build {
namespace {

CacheInputs run_step() {
  CacheInputs in;
  in.parent = "sha256:parent";
  in.instruction = "RUN make all";
  in.environment = {{"ENV PATH", "/bin"}, {"ARG VERSION", "1"}, {"user", "0:0"}, {"workdir", "/src"}};
  return in;
}

TEST(CacheKey, SameInputsSameKey) { EXPECT_EQ(cache_key(run_step()), cache_key(run_step())); }

TEST(CacheKey, EachInputChangesTheKey) {
  const auto base = cache_key(run_step());
  auto parent = run_step();
  parent.parent = "sha256:other";
  auto text = run_step();
  text.instruction = "RUN make";
  auto arg = run_step();
  arg.environment["ARG VERSION"] = "2";
  auto source = run_step();
  source.sources["app.c"] = "sha256:abc";
  for (const auto& changed : {parent, text, arg, source}) EXPECT_NE(cache_key(changed), base);
}

TEST(CacheKey, JsonRoundTripKeepsTheKey) {
  auto in = run_step();
  in.sources["a"] = "sha256:1";
  EXPECT_EQ(cache_key(CacheInputs::from_json(in.to_json())), cache_key(in));
}

TEST(CacheKey, MissWithoutCandidatesBlamesTheParent) {
  auto lines = explain_cache_miss(run_step(), {});
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("step before changed"), std::string::npos);
}

TEST(CacheKey, MissNamesTheChangedBuildArg) {
  auto before = run_step();
  auto now = run_step();
  now.environment["ARG VERSION"] = "2";
  auto lines = explain_cache_miss(now, {before});
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0], "setting `ARG VERSION` changed: `1` -> `2`");
}

TEST(CacheKey, MissNamesChangedAddedAndRemovedSources) {
  CacheInputs before;
  before.instruction = "COPY . /app";
  before.sources = {{"a.txt", "sha256:1"}, {"b.txt", "sha256:2"}};
  CacheInputs now = before;
  now.sources = {{"a.txt", "sha256:9"}, {"c.txt", "sha256:3"}};
  auto lines = explain_cache_miss(now, {before});
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0], "source `a.txt` changed (content, mode or owner)");
  EXPECT_EQ(lines[1], "source `c.txt` is new");
  EXPECT_EQ(lines[2], "source `b.txt` is gone");
}

TEST(CacheKey, MissPicksTheClosestCandidate) {
  auto now = run_step();
  now.instruction = "RUN make all install";
  auto far = run_step();
  far.instruction = "RUN ls";
  far.environment["ARG VERSION"] = "7";
  auto near = run_step();
  auto lines = explain_cache_miss(now, {far, near});
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0], "instruction changed: was `RUN make all`, now `RUN make all install`");
}

}  // namespace
}  // namespace imagebuilder::build
