// save -> load round trips in both formats, and loads that must fail without a trace.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "imagebuilder/oci/archive_names.hpp"
#include "imagebuilder/oci/load.hpp"
#include "imagebuilder/oci/save.hpp"
#include "imagebuilder/oci/tar_reader.hpp"
#include "oci_test_support.hpp"

namespace imagebuilder::oci {
namespace {

using store::testing::TempDir;
using testing::make_real_image;
using testing::TarEntry;
using testing::tree;
using testing::write_tar;

class SaveLoadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto a = store::ImageStore::open(dir_.path() + "/source");
    auto b = store::ImageStore::open(dir_.path() + "/target");
    ASSERT_TRUE(a.ok() && b.ok());
    source_.emplace(std::move(*a));
    target_.emplace(std::move(*b));
  }
  store::Image image(const std::vector<std::string>& tags, bool gzip = false, const std::string& content = "hello") {
    auto made = make_real_image(*source_, dir_.path(), {{"etc/motd", content}, {"bin/tool", "#!/bin/sh\n"}}, tags, gzip);
    EXPECT_TRUE(made.ok()) << made.error().what();
    return made ? *made : store::Image{};
  }
  std::string tarball() const { return dir_.path() + "/images.tar"; }
  /// Reads the entries of a saved tarball (by name) for inspection.
  StagedArchive entries_of(const std::string& path) {
    std::string staging = dir_.path() + "/inspect";
    (void)minirun::sys::remove_tree(staging);
    (void)minirun::sys::make_directories(staging);
    auto staged = stage_tarball(path, staging, is_image_archive_entry);
    EXPECT_TRUE(staged.ok()) << staged.error().what();
    return staged ? *staged : StagedArchive{};
  }
  std::string entry(const StagedArchive& a, const std::string& name) {
    auto p = a.find(name);
    return p == nullptr ? "" : minirun::sys::read_file(*p).value();
  }
  /// Loading `path` fails with a message containing `mentions`, and the target store
  /// is exactly as before.
  void expect_load_fails(const std::string& path, const std::string& mentions) {
    auto before = tree(target_->root());
    auto index_before = minirun::sys::read_file(target_->root() + "/index.json").value();
    auto loaded = load(*target_, path);
    ASSERT_FALSE(loaded.ok()) << "load of a bad tarball succeeded";
    EXPECT_NE(loaded.error().what().find(mentions), std::string::npos) << loaded.error().what();
    EXPECT_EQ(tree(target_->root()), before);
    EXPECT_EQ(minirun::sys::read_file(target_->root() + "/index.json").value(), index_before);
  }

  TempDir dir_;
  std::optional<store::ImageStore> source_;
  std::optional<store::ImageStore> target_;
};

TEST_F(SaveLoadTest, OciArchiveRoundTripKeepsIdManifestAndTag) {
  auto img = image({"app:1.0"});
  ASSERT_TRUE(save(*source_, {"app:1.0"}, tarball(), {ArchiveFormat::oci_archive}).ok());
  auto loaded = load(*target_, tarball());
  ASSERT_TRUE(loaded.ok()) << loaded.error().what();
  EXPECT_EQ(loaded->format, "oci-archive");
  auto found = target_->resolve("app:1.0");
  ASSERT_TRUE(found.ok()) << found.error().what();
  EXPECT_EQ(found->id, img.id);
  EXPECT_EQ(found->manifest_digest, img.manifest_digest);
}

TEST_F(SaveLoadTest, OciArchiveIsALayoutWithRefNames) {
  auto img = image({"localhost/app:2"});
  ASSERT_TRUE(save(*source_, {"localhost/app:2"}, tarball(), {ArchiveFormat::oci_archive}).ok());
  auto a = entries_of(tarball());
  EXPECT_EQ(nlohmann::json::parse(entry(a, "oci-layout"))["imageLayoutVersion"], "1.0.0");
  auto index = nlohmann::json::parse(entry(a, "index.json"));
  EXPECT_EQ(index["manifests"][0]["annotations"]["org.opencontainers.image.ref.name"], "localhost/app:2");
  EXPECT_EQ(index["manifests"][0]["digest"], img.manifest_digest.str());
  EXPECT_NE(a.find(oci_blob_name(img.id)), nullptr);
  EXPECT_NE(a.find(oci_blob_name(img.manifest.layers[0].digest)), nullptr);
}

TEST_F(SaveLoadTest, DockerArchiveRoundTripKeepsImageIdAndTag) {
  auto img = image({"app:1.0"});
  ASSERT_TRUE(save(*source_, {"app:1.0"}, tarball(), {ArchiveFormat::docker_archive}).ok());
  auto loaded = load(*target_, tarball());
  ASSERT_TRUE(loaded.ok()) << loaded.error().what();
  EXPECT_EQ(loaded->format, "docker-archive");
  auto found = target_->resolve("app:1.0");
  ASSERT_TRUE(found.ok()) << found.error().what();
  EXPECT_EQ(found->id, img.id);
}

TEST_F(SaveLoadTest, DockerArchiveHasManifestJsonConfigAndLayerTars) {
  auto img = image({"app:1.0"});
  ASSERT_TRUE(save(*source_, {"app:1.0"}, tarball()).ok());
  auto a = entries_of(tarball());
  auto manifest = nlohmann::json::parse(entry(a, "manifest.json"));
  ASSERT_EQ(manifest.size(), 1u);
  EXPECT_EQ(manifest[0]["Config"], img.id.hex() + ".json");
  EXPECT_EQ(manifest[0]["RepoTags"], nlohmann::json::array({"app:1.0"}));
  EXPECT_EQ(manifest[0]["Layers"][0], img.config.diff_ids[0].hex() + "/layer.tar");
  EXPECT_EQ(store::digest_of(entry(a, img.id.hex() + ".json")), img.id);
  auto repositories = nlohmann::json::parse(entry(a, "repositories"));
  EXPECT_EQ(repositories["app"]["1.0"], img.config.diff_ids[0].hex());
}

TEST_F(SaveLoadTest, DockerArchiveDecompressesGzipLayers) {
  auto img = image({"app:gz"}, true);
  ASSERT_EQ(img.manifest.layers[0].media_type, store::media_type::kOciLayerGzip);
  ASSERT_TRUE(save(*source_, {"app:gz"}, tarball()).ok());
  auto a = entries_of(tarball());
  std::string layer = entry(a, img.config.diff_ids[0].hex() + "/layer.tar");
  EXPECT_EQ(store::digest_of(layer), img.config.diff_ids[0]);
  auto loaded = load(*target_, tarball());
  ASSERT_TRUE(loaded.ok()) << loaded.error().what();
  auto found = target_->resolve("app:gz");
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->id, img.id);
  EXPECT_EQ(found->manifest.layers[0].media_type, store::media_type::kOciLayer);
}

TEST_F(SaveLoadTest, OciArchiveKeepsGzipLayersAsTheyAre) {
  auto img = image({"app:gz"}, true);
  ASSERT_TRUE(save(*source_, {"app:gz"}, tarball(), {ArchiveFormat::oci_archive}).ok());
  ASSERT_TRUE(load(*target_, tarball()).ok());
  EXPECT_EQ(target_->resolve("app:gz")->manifest.layers[0].media_type, store::media_type::kOciLayerGzip);
}

TEST_F(SaveLoadTest, SeveralImagesShareOneTarball) {
  auto a = image({"one:1"}, false, "first");
  auto b = image({"two:2"}, false, "second");
  for (auto format : {ArchiveFormat::oci_archive, ArchiveFormat::docker_archive}) {
    ASSERT_TRUE(save(*source_, {"one:1", "two:2"}, tarball(), {format}).ok());
    auto loaded = load(*target_, tarball());
    ASSERT_TRUE(loaded.ok()) << loaded.error().what();
    EXPECT_EQ(loaded->images.size(), 2u);
    EXPECT_EQ(target_->resolve("one:1")->id, a.id);
    EXPECT_EQ(target_->resolve("two:2")->id, b.id);
  }
}

TEST_F(SaveLoadTest, SaveByIdWritesNoTag) {
  auto img = image({"app:1"});
  ASSERT_TRUE(save(*source_, {img.id.short_id()}, tarball()).ok());
  auto manifest = nlohmann::json::parse(entry(entries_of(tarball()), "manifest.json"));
  EXPECT_TRUE(manifest[0]["RepoTags"].empty());
  ASSERT_TRUE(load(*target_, tarball()).ok());
  auto rows = target_->list();
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].repository, "<none>");
}

TEST_F(SaveLoadTest, LoadReadsGzipCompressedTarball) {
  auto img = image({"app:1"});
  ASSERT_TRUE(save(*source_, {"app:1"}, tarball(), {ArchiveFormat::oci_archive, true}).ok());
  auto loaded = load(*target_, tarball());
  ASSERT_TRUE(loaded.ok()) << loaded.error().what();
  EXPECT_EQ(target_->resolve("app:1")->id, img.id);
}

TEST_F(SaveLoadTest, LoadTagOverrideRenamesTheImage) {
  auto img = image({"app:1"});
  ASSERT_TRUE(save(*source_, {"app:1"}, tarball()).ok());
  LoadOptions options;
  options.tag = store::Reference::parse("renamed:7").value();
  ASSERT_TRUE(load(*target_, tarball(), options).ok());
  EXPECT_EQ(target_->resolve("renamed:7")->id, img.id);
  EXPECT_FALSE(target_->resolve("app:1").ok());
}

TEST_F(SaveLoadTest, LoadLeavesNoStagingBehind) {
  image({"app:1"});
  ASSERT_TRUE(save(*source_, {"app:1"}, tarball()).ok());
  ASSERT_TRUE(load(*target_, tarball()).ok());
  EXPECT_TRUE(store::list_directory(target_->root() + "/tmp")->empty());
}

TEST_F(SaveLoadTest, LoadRejectsTamperedBlob) {
  auto img = image({"app:1"});
  ASSERT_TRUE(save(*source_, {"app:1"}, tarball(), {ArchiveFormat::oci_archive}).ok());
  auto a = entries_of(tarball());
  std::vector<TarEntry> entries;
  for (const auto& [name, path] : a.files) {
    std::string content = minirun::sys::read_file(path).value();
    if (name == oci_blob_name(img.manifest.layers[0].digest)) content[content.size() / 2] ^= 1;
    entries.push_back({name, content, "", false});
  }
  std::string bad = dir_.path() + "/tampered.tar";
  ASSERT_TRUE(write_tar(bad, entries));
  expect_load_fails(bad, "tampered");
}

TEST_F(SaveLoadTest, LoadRejectsLayerThatDoesNotMatchDiffId) {
  // A consistent docker-archive in every name, but the config names another layer.
  auto img = image({"app:1"});
  std::string layer = minirun::sys::read_file(source_->blob_path(img.manifest.layers[0].digest)).value();
  auto config = img.config;
  config.diff_ids = {store::digest_of("some other layer")};
  std::string config_bytes = config.to_canonical_json();
  std::string config_name = store::digest_of(config_bytes).hex() + ".json";
  nlohmann::json manifest = nlohmann::json::array(
      {{{"Config", config_name}, {"RepoTags", {"evil:1"}}, {"Layers", {std::string(64, 'c') + "/layer.tar"}}}});
  std::string bad = dir_.path() + "/wrong-diff-id.tar";
  ASSERT_TRUE(write_tar(bad, {{"manifest.json", manifest.dump(), "", false},
                              {config_name, config_bytes, "", false},
                              {std::string(64, 'c') + "/layer.tar", layer, "", false}}));
  expect_load_fails(bad, "diff_id");
}

TEST_F(SaveLoadTest, LoadRejectsDotDotEntry) {
  image({"app:1"});
  ASSERT_TRUE(save(*source_, {"app:1"}, tarball()).ok());
  auto a = entries_of(tarball());
  std::vector<TarEntry> entries;
  for (const auto& [name, path] : a.files) entries.push_back({name, minirun::sys::read_file(path).value(), "", false});
  entries.push_back({"../../escaped", "x", "", false});
  std::string bad = dir_.path() + "/dotdot.tar";
  ASSERT_TRUE(write_tar(bad, entries));
  expect_load_fails(bad, "`../../escaped`");
  EXPECT_FALSE(minirun::sys::path_exists(dir_.path() + "/escaped"));
}

TEST_F(SaveLoadTest, LoadRejectsHostileConfig) {
  auto img = image({"app:1"});
  auto config = nlohmann::json::parse(img.config.to_canonical_json());
  config["config"]["Volumes"] = {{"../../etc", nlohmann::json::object()}};
  std::string bytes = config.dump();
  std::string name = store::digest_of(bytes).hex() + ".json";
  nlohmann::json manifest = nlohmann::json::array({{{"Config", name}, {"RepoTags", {"evil:1"}}, {"Layers", nlohmann::json::array()}}});
  std::string bad = dir_.path() + "/hostile.tar";
  ASSERT_TRUE(write_tar(bad, {{"manifest.json", manifest.dump(), "", false}, {name, bytes, "", false}}));
  expect_load_fails(bad, "config.Volumes");
}

TEST_F(SaveLoadTest, LoadRejectsTarballOfNeitherFormat) {
  std::string bad = dir_.path() + "/neither.tar";
  ASSERT_TRUE(write_tar(bad, {{"repositories", "{}", "", false}}));
  expect_load_fails(bad, "neither an OCI archive");
}

}  // namespace
}  // namespace imagebuilder::oci

namespace imagebuilder::oci {
namespace {

// Docker 25+ writes an OCI layout *and* a manifest.json in one tarball, with the full
// name in io.containerd.image.name and only the tag in ref.name.
TEST_F(SaveLoadTest, LoadReadsDocker25CombinedTarball) {
  auto img = image({"app:1"});
  ASSERT_TRUE(save(*source_, {"app:1"}, tarball(), {ArchiveFormat::oci_archive}).ok());
  auto a = entries_of(tarball());
  std::vector<TarEntry> entries;
  for (const auto& [name, path] : a.files) {
    std::string content = minirun::sys::read_file(path).value();
    if (name == "index.json") {
      auto index = nlohmann::json::parse(content);
      index["manifests"][0]["annotations"] = {{"io.containerd.image.name", "docker.io/library/app:1"},
                                              {"org.opencontainers.image.ref.name", "1"}};
      content = index.dump();
    }
    entries.push_back({name, content, "", false});
  }
  nlohmann::json manifest = nlohmann::json::array(
      {{{"Config", oci_blob_name(img.id)}, {"RepoTags", {"app:1"}}, {"Layers", {oci_blob_name(img.manifest.layers[0].digest)}}}});
  entries.push_back({"manifest.json", manifest.dump(), "", false});
  std::string docker25 = dir_.path() + "/docker25.tar";
  ASSERT_TRUE(write_tar(docker25, entries));
  auto loaded = load(*target_, docker25);
  ASSERT_TRUE(loaded.ok()) << loaded.error().what();
  EXPECT_EQ(loaded->format, "oci-archive");
  auto found = target_->resolve("app:1");
  ASSERT_TRUE(found.ok()) << found.error().what();
  EXPECT_EQ(found->manifest_digest, img.manifest_digest);
}

TEST_F(SaveLoadTest, LoadOfBareTagRefNameLeavesImageUntaggedWithNote) {
  image({"app:1"});
  ASSERT_TRUE(save(*source_, {"app:1"}, tarball(), {ArchiveFormat::oci_archive}).ok());
  auto a = entries_of(tarball());
  std::vector<TarEntry> entries;
  for (const auto& [name, path] : a.files) {
    std::string content = minirun::sys::read_file(path).value();
    if (name == "index.json") {
      auto index = nlohmann::json::parse(content);
      index["manifests"][0]["annotations"] = {{"org.opencontainers.image.ref.name", "latest"}};
      content = index.dump();
    }
    entries.push_back({name, content, "", false});
  }
  std::string bare = dir_.path() + "/bare.tar";
  ASSERT_TRUE(write_tar(bare, entries));
  auto loaded = load(*target_, bare);
  ASSERT_TRUE(loaded.ok()) << loaded.error().what();
  ASSERT_EQ(loaded->notes.size(), 1u);
  EXPECT_NE(loaded->notes[0].find("`latest`"), std::string::npos) << loaded->notes[0];
  EXPECT_EQ((*target_->list())[0].repository, "<none>");
}

}  // namespace
}  // namespace imagebuilder::oci
