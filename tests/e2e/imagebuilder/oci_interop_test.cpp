// Interoperability: what the kit writes, skopeo and umoci read, and what skopeo writes,
// the kit loads, with the same image id. Local transports only (oci:, oci-archive:,
// docker-archive:): nothing here touches the network. Needs no root.
#include <gtest/gtest.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "imagebuilder/oci/load.hpp"
#include "imagebuilder/oci/save.hpp"
#include "minirun/sys/file.hpp"
#include "tests/support/test_env.hpp"
#include "tests/unit/imagebuilder/oci_test_support.hpp"

namespace imagebuilder::oci {
namespace {

using minirun::testing::run_command;
using minirun::testing::ScratchDir;

bool installed(const std::string& tool) {
  return ::access(("/usr/bin/" + tool).c_str(), X_OK) == 0 || ::access(("/usr/local/bin/" + tool).c_str(), X_OK) == 0;
}

#define REQUIRE_TOOL(tool)                                                                            \
  do {                                                                                                \
    if (!installed(tool)) GTEST_SKIP() << tool << " is not installed (apt-get install -y " << tool << ")"; \
  } while (0)

class OciInterop : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = store::ImageStore::open(dir_.path() + "/store");
    ASSERT_TRUE(opened.ok()) << opened.error().what();
    store_.emplace(std::move(*opened));
    auto made = testing::make_real_image(*store_, dir_.path(),
                                         {{"etc/motd", "hello from the kit\n"}, {"bin/hello", "#!/bin/sh\necho hi\n"}},
                                         {"lab/hello:1.0"}, gzip_layers());
    ASSERT_TRUE(made.ok()) << made.error().what();
    image_ = *made;
  }
  virtual bool gzip_layers() const { return false; }
  std::string path(const std::string& name) const { return dir_.path() + "/" + name; }
  /// Runs skopeo (or umoci) and expects success; returns stdout.
  std::string run_ok(const std::vector<std::string>& argv) {
    auto r = run_command(argv);
    std::string line;
    for (const auto& a : argv) line += a + " ";
    EXPECT_EQ(r.exit_code, 0) << line << "\n" << r.err;
    return r.out;
  }

  ScratchDir dir_;
  std::optional<store::ImageStore> store_;
  store::Image image_;
};

TEST_F(OciInterop, SkopeoReadsManifestAndConfigOfSavedOciArchive) {
  REQUIRE_TOOL("skopeo");
  ASSERT_TRUE(save(*store_, {"lab/hello:1.0"}, path("hello.tar"), {ArchiveFormat::oci_archive}).ok());
  std::string ref = "oci-archive:" + path("hello.tar") + ":lab/hello:1.0";
  auto manifest = run_ok({"skopeo", "inspect", "--raw", ref});
  EXPECT_EQ(store::digest_of(manifest), image_.manifest_digest) << manifest;
  auto config = run_ok({"skopeo", "inspect", "--raw", "--config", ref});
  EXPECT_EQ(store::digest_of(config), image_.id) << config;
  auto summary = nlohmann::json::parse(run_ok({"skopeo", "inspect", ref}));
  EXPECT_EQ(summary["Digest"], image_.manifest_digest.str());
  EXPECT_EQ(summary["Layers"][0], image_.manifest.layers[0].digest.str());
}

TEST_F(OciInterop, SkopeoReadsTheLiveStore) {
  REQUIRE_TOOL("skopeo");
  auto summary = nlohmann::json::parse(run_ok({"skopeo", "inspect", "oci:" + store_->root() + ":lab/hello:1.0"}));
  EXPECT_EQ(summary["Digest"], image_.manifest_digest.str());
  EXPECT_EQ(summary["Architecture"], "amd64");
  EXPECT_EQ(summary["Os"], "linux");
}

TEST_F(OciInterop, UmociListsAndUnpacksTheLiveStore) {
  REQUIRE_TOOL("umoci");
  auto tags = run_ok({"umoci", "ls", "--layout", store_->root()});
  EXPECT_NE(tags.find("lab/hello:1.0"), std::string::npos) << tags;
  // umoci names an image `layout:tag`; copy the image to a layout under a tag
  // without ':' so that the split is unambiguous.
  ASSERT_TRUE(store_->tag(store::Reference::parse("hello").value(), image_.manifest_digest).ok());
  std::vector<std::string> argv{"umoci", "unpack"};
  if (!minirun::testing::running_as_root()) argv.push_back("--rootless");
  argv.insert(argv.end(), {"--image", store_->root() + ":hello:latest", path("bundle")});
  run_ok(argv);
  auto motd = minirun::sys::read_file(path("bundle/rootfs/etc/motd"));
  ASSERT_TRUE(motd.ok()) << motd.error().what();
  EXPECT_EQ(*motd, "hello from the kit\n");
}

TEST_F(OciInterop, SkopeoDockerArchiveOfOurImageLoadsWithSameId) {
  REQUIRE_TOOL("skopeo");
  ASSERT_TRUE(save(*store_, {"lab/hello:1.0"}, path("hello.tar"), {ArchiveFormat::oci_archive}).ok());
  run_ok({"skopeo", "copy", "oci-archive:" + path("hello.tar") + ":lab/hello:1.0",
          "docker-archive:" + path("docker.tar") + ":lab/hello:copied"});
  auto fresh = store::ImageStore::open(path("fresh"));
  ASSERT_TRUE(fresh.ok());
  auto loaded = load(*fresh, path("docker.tar"));
  ASSERT_TRUE(loaded.ok()) << loaded.error().what();
  EXPECT_EQ(loaded->format, "docker-archive");
  auto found = fresh->resolve("lab/hello:copied");
  ASSERT_TRUE(found.ok()) << found.error().what();
  EXPECT_EQ(found->id, image_.id);
}

TEST_F(OciInterop, SkopeoOciArchiveWithGzipLayersLoadsWithSameId) {
  REQUIRE_TOOL("skopeo");
  run_ok({"skopeo", "copy", "--dest-compress", "--dest-compress-format", "gzip",
          "oci:" + store_->root() + ":lab/hello:1.0", "oci-archive:" + path("gz.tar") + ":lab/hello:gz"});
  auto fresh = store::ImageStore::open(path("fresh"));
  ASSERT_TRUE(fresh.ok());
  auto loaded = load(*fresh, path("gz.tar"));
  ASSERT_TRUE(loaded.ok()) << loaded.error().what();
  auto found = fresh->resolve("lab/hello:gz");
  ASSERT_TRUE(found.ok()) << found.error().what();
  EXPECT_EQ(found->id, image_.id);
  EXPECT_EQ(found->manifest.layers[0].media_type, store::media_type::kOciLayerGzip);
}

TEST_F(OciInterop, SkopeoAcceptsOurDockerArchive) {
  REQUIRE_TOOL("skopeo");
  ASSERT_TRUE(save(*store_, {"lab/hello:1.0"}, path("docker.tar"), {ArchiveFormat::docker_archive}).ok());
  auto config = run_ok({"skopeo", "inspect", "--raw", "--config", "docker-archive:" + path("docker.tar")});
  EXPECT_EQ(store::digest_of(config), image_.id);
  auto summary = nlohmann::json::parse(run_ok({"skopeo", "inspect", "docker-archive:" + path("docker.tar")}));
  EXPECT_EQ(summary["RepoTags"].size(), 0u);  // skopeo lists registry tags here, none for a file
  EXPECT_EQ(summary["Layers"].size(), 1u);
}

/// The same, for an image whose layer blob is gzip'd in the store.
class OciInteropGzip : public OciInterop {
 protected:
  bool gzip_layers() const override { return true; }
};

TEST_F(OciInteropGzip, SkopeoAcceptsOurDockerArchiveOfGzipLayers) {
  REQUIRE_TOOL("skopeo");
  ASSERT_TRUE(save(*store_, {"lab/hello:1.0"}, path("docker.tar"), {ArchiveFormat::docker_archive}).ok());
  auto config = run_ok({"skopeo", "inspect", "--raw", "--config", "docker-archive:" + path("docker.tar")});
  EXPECT_EQ(store::digest_of(config), image_.id);
  run_ok({"skopeo", "copy", "docker-archive:" + path("docker.tar"), "dir:" + path("dir")});
}

}  // namespace
}  // namespace imagebuilder::oci
