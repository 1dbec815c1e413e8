// The image store: the layout on disk, blobs, commit, tag, resolve, list and history.
#include "imagebuilder/store/image_store.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "minirun/sys/file.hpp"
#include "store_test_support.hpp"

namespace imagebuilder::store {
namespace {

using testing::config_for;
using testing::fake_layer;
using testing::make_image;
using testing::TempDir;

std::string read(const std::string& path) { return minirun::sys::read_file(path).value(); }

class ImageStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    auto opened = ImageStore::open(root());
    ASSERT_TRUE(opened.ok()) << opened.error().what();
    store_.emplace(std::move(*opened));
  }
  std::string root() const { return dir_.path() + "/store"; }
  ImageStore& store() { return *store_; }
  nlohmann::json index_json() const { return nlohmann::json::parse(read(root() + "/index.json")); }

  TempDir dir_;
  std::optional<ImageStore> store_;
};

TEST_F(ImageStoreTest, OpenCreatesOciImageLayout) {
  EXPECT_EQ(nlohmann::json::parse(read(root() + "/oci-layout"))["imageLayoutVersion"], "1.0.0");
  auto index = index_json();
  EXPECT_EQ(index["schemaVersion"], 2);
  EXPECT_EQ(index["mediaType"], "application/vnd.oci.image.index.v1+json");
  EXPECT_TRUE(index["manifests"].empty());
  struct stat st {};
  EXPECT_EQ(::stat((root() + "/blobs/sha256").c_str(), &st), 0);
}

TEST_F(ImageStoreTest, OpenRefusesNonEmptyDirectoryWithoutLayout) {
  std::string other = dir_.path() + "/home";
  ASSERT_TRUE(minirun::sys::make_directories(other).ok());
  ASSERT_TRUE(minirun::sys::write_file(other + "/notes.txt", "mine").ok());
  auto opened = ImageStore::open(other);
  ASSERT_FALSE(opened.ok());
  EXPECT_NE(opened.error().what().find(other), std::string::npos) << opened.error().what();
  EXPECT_NE(opened.error().what().find("oci-layout"), std::string::npos) << opened.error().what();
  EXPECT_FALSE(minirun::sys::path_exists(other + "/lock"));  // nothing written there
}

TEST_F(ImageStoreTest, OpenWaitsForAStoreAnotherProcessIsCreating) {
  // What a second opener sees while the first is inside open(): our lock file and the
  // blobs directory, no `oci-layout` yet. It must finish the store, not refuse it.
  std::string fresh = dir_.path() + "/fresh";
  ASSERT_TRUE(minirun::sys::make_directories(fresh + "/blobs/sha256").ok());
  ASSERT_TRUE(minirun::sys::write_file(fresh + "/lock", "").ok());
  auto opened = ImageStore::open(fresh);
  ASSERT_TRUE(opened.ok()) << opened.error().what();
  EXPECT_TRUE(minirun::sys::path_exists(fresh + "/oci-layout"));
}

TEST_F(ImageStoreTest, OpenRefusesBrokenLayoutFile) {
  ASSERT_TRUE(minirun::sys::write_file(root() + "/oci-layout", R"({"imageLayoutVersion": 7})").ok());
  auto opened = ImageStore::open(root());
  ASSERT_FALSE(opened.ok());
  EXPECT_NE(opened.error().what().find("oci-layout"), std::string::npos) << opened.error().what();
}

TEST_F(ImageStoreTest, ReopenSeesCommittedImages) {
  auto image = make_image(store(), "layer", {"app:1"});
  ASSERT_TRUE(image.ok()) << image.error().what();
  auto again = ImageStore::open(root());
  ASSERT_TRUE(again.ok()) << again.error().what();
  auto found = again->resolve("app:1");
  ASSERT_TRUE(found.ok()) << found.error().what();
  EXPECT_EQ(found->id, image->id);
}

TEST_F(ImageStoreTest, BlobIsNamedByItsDigest) {
  auto d = store().put_blob("hello", "text/plain");
  ASSERT_TRUE(d.ok()) << d.error().what();
  EXPECT_EQ(d->digest, digest_of("hello"));
  EXPECT_EQ(d->size, 5u);
  EXPECT_EQ(store().blob_path(d->digest), root() + "/blobs/sha256/" + digest_of("hello").hex());
  EXPECT_EQ(read(store().blob_path(d->digest)), "hello");
  EXPECT_TRUE(store().has_blob(d->digest));
}

TEST_F(ImageStoreTest, PutBlobFileMovesVerifiedFileIntoStore) {
  std::string file = dir_.path() + "/layer.tar";
  ASSERT_TRUE(minirun::sys::write_file(file, "layer bytes").ok());
  auto d = store().put_blob_file(file, std::string(media_type::kOciLayer), digest_of("layer bytes"));
  ASSERT_TRUE(d.ok()) << d.error().what();
  EXPECT_EQ(read(store().blob_path(d->digest)), "layer bytes");
  EXPECT_FALSE(minirun::sys::path_exists(file));
}

TEST_F(ImageStoreTest, PutBlobFileRejectsWrongDigestAndStoresNothing) {
  std::string file = dir_.path() + "/layer.tar";
  ASSERT_TRUE(minirun::sys::write_file(file, "tampered").ok());
  auto d = store().put_blob_file(file, std::string(media_type::kOciLayer), digest_of("original"));
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.error().what().find("expected " + digest_of("original").str()), std::string::npos) << d.error().what();
  EXPECT_FALSE(store().has_blob(digest_of("tampered")));
  EXPECT_FALSE(store().has_blob(digest_of("original")));
  EXPECT_TRUE(store().blobs().list_blobs()->empty());
}

TEST_F(ImageStoreTest, ReadBlobDetectsCorruption) {
  auto d = store().put_blob(R"({"a":1})", "application/json");
  ASSERT_TRUE(d.ok());
  std::string path = store().blob_path(d->digest);
  ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
  ASSERT_TRUE(minirun::sys::write_file(path, R"({"a":2})").ok());
  auto bytes = store().read_blob(d->digest);
  ASSERT_FALSE(bytes.ok());
  EXPECT_NE(bytes.error().what().find("corrupt"), std::string::npos) << bytes.error().what();
}

TEST_F(ImageStoreTest, ImageIdIsDigestOfConfigBlob) {
  std::vector<Descriptor> layers{fake_layer(store(), "layer")};
  auto config = config_for(layers);
  auto image = store().commit(config, layers);
  ASSERT_TRUE(image.ok()) << image.error().what();
  EXPECT_EQ(image->id, digest_of(config.to_canonical_json()));
  EXPECT_EQ(read(store().blob_path(image->id)), config.to_canonical_json());
  auto manifest = nlohmann::json::parse(read(store().blob_path(image->manifest_digest)));
  EXPECT_EQ(manifest["mediaType"], "application/vnd.oci.image.manifest.v1+json");
  EXPECT_EQ(manifest["config"]["digest"], image->id.str());
  EXPECT_EQ(manifest["config"]["mediaType"], "application/vnd.oci.image.config.v1+json");
  EXPECT_EQ(manifest["layers"][0]["digest"], layers[0].digest.str());
}

TEST_F(ImageStoreTest, SameConfigAndLayersGiveSameImage) {
  auto a = make_image(store(), "layer", {"a:1"});
  auto b = make_image(store(), "layer", {"b:1"});
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->id, b->id);
  EXPECT_EQ(a->manifest_digest, b->manifest_digest);
  EXPECT_EQ(b->tags, (std::vector<std::string>{"a:1", "b:1"}));
}

TEST_F(ImageStoreTest, CommitRefusesLayerNotInStore) {
  Descriptor missing{std::string(media_type::kOciLayer), digest_of("nowhere"), 7, {}};
  auto image = store().commit(config_for({missing}), {missing});
  ASSERT_FALSE(image.ok());
  EXPECT_NE(image.error().what().find("not in the store"), std::string::npos) << image.error().what();
  EXPECT_TRUE(index_json()["manifests"].empty());
}

TEST_F(ImageStoreTest, CommitRefusesDiffIdCountMismatch) {
  std::vector<Descriptor> layers{fake_layer(store(), "one"), fake_layer(store(), "two")};
  auto config = config_for({layers[0]});
  auto image = store().commit(config, layers);
  ASSERT_FALSE(image.ok());
  EXPECT_NE(image.error().what().find("diff_ids"), std::string::npos) << image.error().what();
}

TEST_F(ImageStoreTest, TagIsRefNameAnnotationInIndexJson) {
  auto image = make_image(store(), "layer", {"localhost/app:1.0"});
  ASSERT_TRUE(image.ok()) << image.error().what();
  auto index = index_json();
  ASSERT_EQ(index["manifests"].size(), 1u);
  EXPECT_EQ(index["manifests"][0]["digest"], image->manifest_digest.str());
  EXPECT_EQ(index["manifests"][0]["annotations"]["org.opencontainers.image.ref.name"], "localhost/app:1.0");
}

TEST_F(ImageStoreTest, UntaggedCommitIsRecordedWithoutRefName) {
  auto image = make_image(store(), "layer", {});
  ASSERT_TRUE(image.ok());
  auto index = index_json();
  ASSERT_EQ(index["manifests"].size(), 1u);
  EXPECT_FALSE(index["manifests"][0].contains("annotations"));
}

TEST_F(ImageStoreTest, ResolveFindsImageByNameTagIdAndPrefix) {
  auto image = make_image(store(), "layer", {"busybox:1.36"});
  ASSERT_TRUE(image.ok());
  for (const std::string& name : {std::string("busybox:1.36"), std::string("docker.io/library/busybox:1.36"),
                                  image->id.str(), image->id.hex(), image->id.short_id(), image->id.hex().substr(0, 4),
                                  "sha256:" + image->id.hex().substr(0, 8),
                                  "busybox@" + image->manifest_digest.str()}) {
    auto found = store().resolve(name);
    ASSERT_TRUE(found.ok()) << name << ": " << found.error().what();
    EXPECT_EQ(found->id, image->id) << name;
    EXPECT_EQ(found->tags, std::vector<std::string>{"busybox:1.36"});
  }
}

TEST_F(ImageStoreTest, ResolveDefaultsToLatestTag) {
  ASSERT_TRUE(make_image(store(), "old", {"app:1"}).ok());
  auto latest = make_image(store(), "new", {"app:latest"});
  ASSERT_TRUE(latest.ok());
  auto found = store().resolve("app");
  ASSERT_TRUE(found.ok()) << found.error().what();
  EXPECT_EQ(found->id, latest->id);
}

TEST_F(ImageStoreTest, ResolveRejectsShortOrUnknownNames) {
  auto image = make_image(store(), "layer", {"app:1"});
  ASSERT_TRUE(image.ok());
  for (const std::string& name : {std::string("app:2"), std::string("other"), image->id.hex().substr(0, 3)}) {
    auto found = store().resolve(name);
    ASSERT_FALSE(found.ok()) << name;
    EXPECT_NE(found.error().what().find("no such image"), std::string::npos) << found.error().what();
  }
}

TEST_F(ImageStoreTest, ResolveRejectsAmbiguousIdPrefix) {
  // Find two configs whose ids share their first 4 hex digits (a birthday search in
  // memory: a few hundred tries), then commit both.
  std::vector<Descriptor> layers{fake_layer(store(), "layer")};
  std::map<std::string, std::string> seen;  // prefix -> author
  std::string first, second;
  for (int i = 0; first.empty(); ++i) {
    std::string author = "author" + std::to_string(i);
    auto prefix = digest_of(config_for(layers, "2024-01-01T00:00:00Z", author).to_canonical_json()).hex().substr(0, 4);
    if (auto it = seen.find(prefix); it != seen.end()) {
      first = it->second;
      second = author;
    }
    seen[prefix] = author;
  }
  auto a = store().commit(config_for(layers, "2024-01-01T00:00:00Z", first), layers);
  auto b = store().commit(config_for(layers, "2024-01-01T00:00:00Z", second), layers);
  ASSERT_TRUE(a.ok() && b.ok());
  auto found = store().resolve(a->id.hex().substr(0, 4));
  ASSERT_FALSE(found.ok());
  EXPECT_NE(found.error().what().find("ambiguous"), std::string::npos) << found.error().what();
  EXPECT_TRUE(store().resolve(a->id.hex().substr(0, 12)).ok());
}

TEST_F(ImageStoreTest, RetagMovesTagAndLeavesOldImageDangling) {
  auto old_image = make_image(store(), "v1", {"app:latest"});
  auto new_image = make_image(store(), "v2", {"app:latest"});
  ASSERT_TRUE(old_image.ok() && new_image.ok());
  EXPECT_EQ(store().resolve("app")->id, new_image->id);
  auto old_again = store().resolve(old_image->id.str());
  ASSERT_TRUE(old_again.ok()) << old_again.error().what();
  EXPECT_TRUE(old_again->tags.empty());
}

TEST_F(ImageStoreTest, TagAddsSecondNameToImage) {
  auto image = make_image(store(), "layer", {"app:1"});
  ASSERT_TRUE(image.ok());
  ASSERT_TRUE(store().tag(Reference::parse("app:stable").value(), image->manifest_digest).ok());
  EXPECT_EQ(store().resolve("app:stable")->tags, (std::vector<std::string>{"app:1", "app:stable"}));
}

TEST_F(ImageStoreTest, TagRefusesUnknownManifest) {
  auto tagged = store().tag(Reference::parse("app:1").value(), digest_of("no such manifest"));
  ASSERT_FALSE(tagged.ok());
  EXPECT_NE(tagged.error().what().find("no manifest"), std::string::npos) << tagged.error().what();
}

TEST_F(ImageStoreTest, ListShowsOneRowPerTagAndNoneForDangling) {
  ASSERT_TRUE(make_image(store(), "a", {"app:1", "app:2"}, "2024-01-02T00:00:00Z").ok());
  ASSERT_TRUE(make_image(store(), "b", {}, "2024-01-01T00:00:00Z").ok());
  auto rows = store().list();
  ASSERT_TRUE(rows.ok()) << rows.error().what();
  ASSERT_EQ(rows->size(), 3u);
  EXPECT_EQ((*rows)[0].repository, "app");
  EXPECT_EQ((*rows)[0].tag, "1");
  EXPECT_EQ((*rows)[1].tag, "2");
  EXPECT_EQ((*rows)[2].repository, "<none>");
  EXPECT_EQ((*rows)[2].tag, "<none>");
}

TEST_F(ImageStoreTest, ListSplitsRepositoryWithPortFromTag) {
  ASSERT_TRUE(make_image(store(), "a", {"localhost:5000/team/app:1.0"}).ok());
  auto rows = store().list();
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ((*rows)[0].repository, "localhost:5000/team/app");
  EXPECT_EQ((*rows)[0].tag, "1.0");
}

TEST_F(ImageStoreTest, ListSizeIsSumOfLayerBlobSizes) {
  std::vector<Descriptor> layers{fake_layer(store(), std::string(1000, 'a')), fake_layer(store(), std::string(234, 'b'))};
  ASSERT_TRUE(store().commit(config_for(layers), layers, {Reference::parse("app").value()}).ok());
  auto rows = store().list();
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ((*rows)[0].size, 1234u);
}

TEST_F(ImageStoreTest, HistoryPairsStepsWithLayersNewestFirst) {
  std::vector<Descriptor> layers{fake_layer(store(), "base"), fake_layer(store(), "app")};
  ImageConfig config = config_for(layers);
  config.history = {{"t1", "ADD base", "", "", false}, {"t2", "ENV A=1", "", "", true}, {"t3", "RUN make", "", "", false}};
  auto image = store().commit(config, layers);
  ASSERT_TRUE(image.ok()) << image.error().what();
  auto rows = store().history(*image);
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 3u);
  EXPECT_EQ((*rows)[0].created_by, "RUN make");
  EXPECT_EQ((*rows)[0].layer->digest, layers[1].digest);
  EXPECT_FALSE((*rows)[1].layer.has_value());
  EXPECT_EQ((*rows)[2].layer->digest, layers[0].digest);
}

}  // namespace
}  // namespace imagebuilder::store
