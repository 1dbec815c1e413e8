// Pulling from the manager's registry into an empty node store, over mutual TLS on
// 127.0.0.1 (registry/image_puller.hpp). No root.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <thread>

#include "minirun/sys/file.hpp"
#include "miniswarm/registry/image_puller.hpp"
#include "tests/unit/miniswarm/registry_test_support.hpp"

namespace miniswarm::registry {
namespace {

using minirun::sys::Error;
using testing::RegistryFixture;

bool contains(const std::string& text, std::string_view part) { return text.find(part) != std::string::npos; }

class ImagePullerTest : public RegistryFixture {
 protected:
  ImagePuller puller() { return ImagePuller("127.0.0.1", port_, worker_); }

  /// Files left in the node store's staging area.
  std::vector<std::string> staging_leftovers() {
    std::vector<std::string> names;
    auto listed = minirun::sys::open_file(node_store_->blobs().tmp_dir(), O_RDONLY | O_DIRECTORY);
    if (!listed) return names;
    auto entries = minirun::sys::list_directory(listed->get(), node_store_->blobs().tmp_dir());
    if (entries) names = *entries;
    return names;
  }

  /// Overwrites one byte of a blob in the manager's store (same size, other digest).
  void corrupt(const imagebuilder::store::Digest& digest) {
    std::string path = manager_store().blob_path(digest);
    ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
    std::string bytes = minirun::sys::read_file(path).value();
    bytes[bytes.size() / 2] ^= 0x01;
    ASSERT_TRUE(minirun::sys::write_file(path, bytes).ok());
  }
};

TEST_F(ImagePullerTest, PulledImageHasTheManagersImageIdAndTag) {
  ImagePuller p = puller();
  auto report = p.pull("web:1", *node_store_);
  ASSERT_TRUE(report.ok()) << report.error().what();
  EXPECT_EQ(report->image_id, web_.id);
  EXPECT_EQ(report->manifest_digest, web_.manifest_digest);
  auto local = node_store_->resolve("web:1");
  ASSERT_TRUE(local.ok()) << local.error().what();
  EXPECT_EQ(local->id, web_.id);
  EXPECT_EQ(report->blobs_fetched, 3u) << "config and two layers";
}

TEST_F(ImagePullerTest, BlobsTheNodeHasAreNotFetchedAgain) {
  ImagePuller p = puller();
  ASSERT_TRUE(p.pull("web:1", *node_store_).ok());
  auto again = p.pull("web:1", *node_store_);
  ASSERT_TRUE(again.ok()) << again.error().what();
  EXPECT_EQ(again->blobs_fetched, 0u);
  EXPECT_EQ(again->blobs_present, 3u);
}

TEST_F(ImagePullerTest, PullByDigestGivesTheSameImage) {
  ImagePuller p = puller();
  auto report = p.pull("web@" + web_.manifest_digest.str(), *node_store_);
  ASSERT_TRUE(report.ok()) << report.error().what();
  EXPECT_EQ(report->image_id, web_.id);
  EXPECT_TRUE(node_store_->resolve(web_.id.str()).ok());
}

TEST_F(ImagePullerTest, UnknownImageNamesTheImageTheManagerAndTheFix) {
  ImagePuller p = puller();
  auto report = p.pull("web:2", *node_store_);
  ASSERT_FALSE(report.ok());
  const std::string e = report.error().what();
  EXPECT_TRUE(contains(e, "image `web:2` not found on the manager at 127.0.0.1:" + std::to_string(port_))) << e;
  EXPECT_TRUE(contains(e, "(MANIFEST_UNKNOWN)")) << e;
  EXPECT_TRUE(contains(e, "build or load it on the manager node")) << e;
}

TEST_F(ImagePullerTest, UnknownRepositoryIsAlsoNotFound) {
  ImagePuller p = puller();
  auto report = p.pull("nope", *node_store_);
  ASSERT_FALSE(report.ok());
  EXPECT_TRUE(contains(report.error().what(), "image `nope` not found on the manager")) << report.error().what();
  EXPECT_TRUE(contains(report.error().what(), "NAME_UNKNOWN")) << report.error().what();
}

TEST_F(ImagePullerTest, CorruptBlobOnTheManagerFailsWithDigestMismatchAndLeavesNoBlob) {
  const auto layer = web_.manifest.layers[0].digest;
  corrupt(layer);
  ImagePuller p = puller();
  auto report = p.pull("web:1", *node_store_);
  ASSERT_FALSE(report.ok());
  EXPECT_TRUE(contains(report.error().what(), "DIGEST mismatch")) << report.error().what();
  EXPECT_FALSE(node_store_->has_blob(layer));
  EXPECT_FALSE(node_store_->resolve("web:1").ok()) << "no image without all its blobs";
  EXPECT_TRUE(staging_leftovers().empty()) << "staging holds " << staging_leftovers().size() << " file(s)";
}

TEST_F(ImagePullerTest, ANodeWithoutACertificateCannotPull) {
  ImagePuller p("127.0.0.1", port_, {ca_.cert_pem, "", ""});
  auto report = p.pull("web:1", *node_store_);
  ASSERT_FALSE(report.ok());
  EXPECT_TRUE(contains(report.error().what(), "refused to let this node pull `web:1`")) << report.error().what();
  EXPECT_TRUE(contains(report.error().what(), "HTTP 401")) << report.error().what();
}

TEST_F(ImagePullerTest, AnUnreachableManagerIsNamed) {
  ImagePuller p("127.0.0.1", 1, worker_);
  auto report = p.pull("web:1", *node_store_);
  ASSERT_FALSE(report.ok());
  EXPECT_TRUE(contains(report.error().what(), "pull `web:1` from the manager at 127.0.0.1:1")) << report.error().what();
}

TEST_F(ImagePullerTest, ConcurrentPullsOfOneImageIntoOneStoreBothSucceed) {
  // Two pullers (as two agents sharing a store would be): no mutex between them.
  ImagePuller first = puller(), second = puller();
  Result<PullReport> a = Error("not run"), b = Error("not run");
  std::thread t([&] { a = first.pull("web:1", *node_store_); });
  b = second.pull("web:1", *node_store_);
  t.join();
  ASSERT_TRUE(a.ok()) << a.error().what();
  ASSERT_TRUE(b.ok()) << b.error().what();
  EXPECT_EQ(a->image_id, b->image_id);
  auto listed = node_store_->list();
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->size(), 1u) << "one image, tagged once";
}

TEST_F(ImagePullerTest, DescribePullNamesImageSizeAndTime) {
  PullReport r;
  r.reference = "web:1";
  r.image_id = web_.id;
  r.bytes_fetched = 1'234'567;
  r.blobs_fetched = 2;
  r.blobs_present = 1;
  r.elapsed = std::chrono::milliseconds(85);
  EXPECT_EQ(describe_pull(r, "10.0.0.1:2377"), "pulled web:1 (image " + web_.id.short_id() +
                                                   ") from 10.0.0.1:2377: 2 blob(s), 1.2 MB in 85 ms (1 already present)");
}

}  // namespace
}  // namespace miniswarm::registry
