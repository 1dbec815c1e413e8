// rmi, prune and holds: Docker's removal rules, and that nothing in use is ever deleted.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <utime.h>

#include <nlohmann/json.hpp>

#include "imagebuilder/store/image_store.hpp"
#include "minirun/sys/file.hpp"
#include "store_test_support.hpp"

namespace imagebuilder::store {
namespace {

using testing::config_for;
using testing::fake_layer;
using testing::make_image;
using testing::TempDir;

class ImageStoreRemoveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = ImageStore::open(dir_.path() + "/store");
    ASSERT_TRUE(opened.ok()) << opened.error().what();
    store_.emplace(std::move(*opened));
  }
  ImageStore& store() { return *store_; }
  Image image(const std::string& content, const std::vector<std::string>& tags) {
    auto made = make_image(store(), content, tags);
    EXPECT_TRUE(made.ok()) << made.error().what();
    return made ? *made : Image{};
  }
  /// Every blob of `img` is present.
  bool has_all_blobs(const Image& img) {
    bool all = store().has_blob(img.manifest_digest) && store().has_blob(img.id);
    for (const auto& l : img.manifest.layers) all = all && store().has_blob(l.digest);
    return all;
  }
  bool has_any_blob(const Image& img) {
    bool any = store().has_blob(img.manifest_digest) || store().has_blob(img.id);
    for (const auto& l : img.manifest.layers) any = any || store().has_blob(l.digest);
    return any;
  }

  TempDir dir_;
  std::optional<ImageStore> store_;
};

TEST_F(ImageStoreRemoveTest, RemoveTagOfImageWithOtherTagsOnlyUntags) {
  auto img = image("layer", {"app:1", "app:2"});
  auto report = store().remove("app:1", false);
  ASSERT_TRUE(report.ok()) << report.error().what();
  EXPECT_EQ(report->untagged, std::vector<std::string>{"app:1"});
  EXPECT_TRUE(report->deleted_images.empty());
  EXPECT_FALSE(store().resolve("app:1").ok());
  EXPECT_EQ(store().resolve("app:2")->id, img.id);
  EXPECT_TRUE(has_all_blobs(img));
}

TEST_F(ImageStoreRemoveTest, RemoveLastTagDeletesImageAndItsBlobs) {
  auto img = image("layer", {"app:1"});
  auto report = store().remove("app:1", false);
  ASSERT_TRUE(report.ok()) << report.error().what();
  EXPECT_EQ(report->deleted_images, std::vector<Digest>{img.id});
  EXPECT_EQ(report->deleted_blobs.size(), 3u);  // manifest, config, layer
  EXPECT_GT(report->reclaimed_bytes, 0u);
  EXPECT_FALSE(has_any_blob(img));
  EXPECT_TRUE(store().list()->empty());
}

TEST_F(ImageStoreRemoveTest, RemoveKeepsLayersSharedWithOtherImages) {
  std::vector<Descriptor> base{fake_layer(store(), "shared base")};
  std::vector<Descriptor> two{base[0], fake_layer(store(), "app")};
  auto a = store().commit(config_for(base), base, {Reference::parse("base").value()});
  auto b = store().commit(config_for(two), two, {Reference::parse("app").value()});
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_TRUE(store().remove("app", false).ok());
  EXPECT_TRUE(has_all_blobs(*a));
  EXPECT_FALSE(store().has_blob(two[1].digest));
}

TEST_F(ImageStoreRemoveTest, RemoveByIdRefusesImageWithSeveralTags) {
  auto img = image("layer", {"app:1", "other:2"});
  auto report = store().remove(img.id.short_id(), false);
  ASSERT_FALSE(report.ok());
  EXPECT_NE(report.error().what().find("app:1, other:2"), std::string::npos) << report.error().what();
  EXPECT_NE(report.error().what().find("--force"), std::string::npos) << report.error().what();
  EXPECT_TRUE(has_all_blobs(img));
  EXPECT_EQ(store().resolve("app:1")->tags.size(), 2u);
}

TEST_F(ImageStoreRemoveTest, RemoveByIdWithForceRemovesEveryTag) {
  auto img = image("layer", {"app:1", "other:2"});
  auto report = store().remove(img.id.str(), true);
  ASSERT_TRUE(report.ok()) << report.error().what();
  EXPECT_EQ(report->untagged, (std::vector<std::string>{"app:1", "other:2"}));
  EXPECT_FALSE(has_any_blob(img));
}

TEST_F(ImageStoreRemoveTest, RemoveByIdOfSingleTagImageNeedsNoForce) {
  auto img = image("layer", {"app:1"});
  ASSERT_TRUE(store().remove(img.id.short_id(), false).ok());
  EXPECT_FALSE(has_any_blob(img));
}

TEST_F(ImageStoreRemoveTest, RemoveRefusesImageHeldByContainer) {
  auto img = image("layer", {"app:1"});
  ASSERT_TRUE(store().add_hold(img.id, "container:web").ok());
  auto report = store().remove("app:1", false);
  ASSERT_FALSE(report.ok());
  EXPECT_NE(report.error().what().find("container:web"), std::string::npos) << report.error().what();
  EXPECT_NE(report.error().what().find("stop and remove container web first, or use --force"), std::string::npos)
      << report.error().what();
  EXPECT_TRUE(store().resolve("app:1").ok());
  EXPECT_TRUE(has_all_blobs(img));
}

TEST_F(ImageStoreRemoveTest, RemoveUntagsHeldImageWhenOtherTagsRemain) {
  auto img = image("layer", {"app:1", "app:2"});
  ASSERT_TRUE(store().add_hold(img.id, "container:web").ok());
  ASSERT_TRUE(store().remove("app:1", false).ok());
  EXPECT_EQ(store().resolve(img.id.str())->tags, std::vector<std::string>{"app:2"});
}

TEST_F(ImageStoreRemoveTest, ForcedRemoveOfHeldImageKeepsItUntaggedWithItsBlobs) {
  auto img = image("layer", {"app:1"});
  ASSERT_TRUE(store().add_hold(img.id, "container:web").ok());
  auto report = store().remove("app:1", true);
  ASSERT_TRUE(report.ok()) << report.error().what();
  EXPECT_EQ(report->untagged, std::vector<std::string>{"app:1"});
  EXPECT_TRUE(report->deleted_images.empty());
  EXPECT_TRUE(has_all_blobs(img));
  auto rows = store().list();
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].repository, "<none>");
}

TEST_F(ImageStoreRemoveTest, RemoveUnknownImageFails) {
  auto report = store().remove("ghost:1", false);
  ASSERT_FALSE(report.ok());
  EXPECT_NE(report.error().what().find("no such image"), std::string::npos) << report.error().what();
}

TEST_F(ImageStoreRemoveTest, RemoveHoldReleasesImage) {
  auto img = image("layer", {"app:1"});
  ASSERT_TRUE(store().add_hold(img.id, "container:web").ok());
  ASSERT_TRUE(store().remove_hold(img.id, "container:web").ok());
  EXPECT_TRUE(store().holders(img.id)->empty());
  EXPECT_TRUE(store().remove("app:1", false).ok());
}

TEST_F(ImageStoreRemoveTest, TheImagesHoldDirectoryGoesWithTheImage) {
  // Kept between holders (no mkdir and rmdir per container), removed by rmi and prune.
  auto img = image("layer", {"app:1"});
  auto dangling = image("dangling", {});
  const std::string dir = store().root() + "/holds/" + img.id.hex();
  const std::string dangling_dir = store().root() + "/holds/" + dangling.id.hex();
  for (const auto& i : {img, dangling}) {
    ASSERT_TRUE(store().add_hold(i.id, "container:web").ok());
    ASSERT_TRUE(store().remove_hold(i.id, "container:web").ok());
  }
  EXPECT_TRUE(minirun::sys::path_exists(dir)) << "kept for the next holder";
  ASSERT_TRUE(store().remove("app:1", false).ok());
  EXPECT_FALSE(minirun::sys::path_exists(dir)) << "rmi leaves no directory behind";
  ASSERT_TRUE(store().prune(false).ok());
  EXPECT_FALSE(minirun::sys::path_exists(dangling_dir)) << "prune leaves no directory behind";
}

TEST_F(ImageStoreRemoveTest, HoldIsAnEmptyFileNamedAfterTheHolder) {
  auto img = image("layer", {"app:1"});
  ASSERT_TRUE(store().add_hold(img.id, "build:b1").ok());
  EXPECT_TRUE(minirun::sys::path_exists(store().root() + "/holds/" + img.id.hex() + "/build:b1"));
  EXPECT_EQ(*store().holders(img.id), std::vector<std::string>{"build:b1"});
}

TEST_F(ImageStoreRemoveTest, AddHoldRejectsHolderNamesThatAreNotFileNames) {
  auto img = image("layer", {"app:1"});
  for (const char* bad : {"", "..", "../../etc/passwd", "a/b", "line\nbreak"}) {
    EXPECT_FALSE(store().add_hold(img.id, bad).ok()) << bad;
  }
}

TEST_F(ImageStoreRemoveTest, PruneRemovesDanglingImagesOnly) {
  auto tagged = image("tagged", {"app:1"});
  auto dangling = image("dangling", {});
  auto report = store().prune(false);
  ASSERT_TRUE(report.ok()) << report.error().what();
  EXPECT_EQ(report->deleted_images, std::vector<Digest>{dangling.id});
  EXPECT_FALSE(has_any_blob(dangling));
  EXPECT_TRUE(has_all_blobs(tagged));
}

TEST_F(ImageStoreRemoveTest, PruneAllRemovesEveryUnheldImage) {
  auto a = image("a", {"app:1"});
  auto b = image("b", {});
  auto report = store().prune(true);
  ASSERT_TRUE(report.ok()) << report.error().what();
  EXPECT_EQ(report->deleted_images.size(), 2u);
  EXPECT_EQ(report->untagged, std::vector<std::string>{"app:1"});
  EXPECT_FALSE(has_any_blob(a));
  EXPECT_FALSE(has_any_blob(b));
}

TEST_F(ImageStoreRemoveTest, PruneNeverRemovesHeldImages) {
  auto held = image("held", {});
  ASSERT_TRUE(store().add_hold(held.id, "container:web").ok());
  auto report = store().prune(true);
  ASSERT_TRUE(report.ok()) << report.error().what();
  EXPECT_TRUE(report->deleted_images.empty());
  EXPECT_TRUE(has_all_blobs(held));
}

TEST_F(ImageStoreRemoveTest, PruneReportsReclaimedBytes) {
  auto dangling = image(std::string(5000, 'x'), {});
  std::uint64_t expected = *store().blobs().blob_size(dangling.manifest_digest) +
                           *store().blobs().blob_size(dangling.id) + 5000;
  auto report = store().prune(false);
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->reclaimed_bytes, expected);
}

TEST_F(ImageStoreRemoveTest, PruneRemovesOldUnreferencedBlobs) {
  auto orphan = store().put_blob("left by a crashed build", std::string(media_type::kOciLayer));
  ASSERT_TRUE(orphan.ok());
  auto report = store().prune(false, std::chrono::seconds(0));
  ASSERT_TRUE(report.ok());
  EXPECT_FALSE(store().has_blob(orphan->digest));
  EXPECT_EQ(report->deleted_blobs, std::vector<Digest>{orphan->digest});
}

TEST_F(ImageStoreRemoveTest, PruneSparesYoungUnreferencedBlobs) {
  auto fresh = store().put_blob("a build is about to commit me", std::string(media_type::kOciLayer));
  ASSERT_TRUE(fresh.ok());
  ASSERT_TRUE(store().prune(true).ok());  // default grace: ten minutes
  EXPECT_TRUE(store().has_blob(fresh->digest));
}

TEST_F(ImageStoreRemoveTest, PruneRemovesStaleStagingFiles) {
  std::string stale = store().root() + "/tmp/load-crashed";
  ASSERT_TRUE(minirun::sys::make_directories(stale).ok());
  struct utimbuf old_times {1000, 1000};
  ASSERT_EQ(::utime(stale.c_str(), &old_times), 0);
  ASSERT_TRUE(store().prune(false).ok());
  EXPECT_FALSE(minirun::sys::path_exists(stale));
}

}  // namespace
}  // namespace imagebuilder::store
