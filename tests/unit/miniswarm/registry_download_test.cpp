// Digest and size verification of a blob as it streams to disk (registry/blob_download.hpp).
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "minirun/sys/file.hpp"
#include "miniswarm/registry/blob_download.hpp"

namespace miniswarm::registry {
namespace {

using imagebuilder::store::Descriptor;
using imagebuilder::store::digest_of;

class BlobDownloadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/registry-download-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { (void)minirun::sys::remove_tree(dir_); }

  static Descriptor descriptor_of(const std::string& bytes) {
    return Descriptor{"application/vnd.oci.image.layer.v1.tar", digest_of(bytes), bytes.size(), {}};
  }
  std::string path() const { return dir_ + "/blob"; }

  std::string dir_;
  // Appended, not `std::string(100000, 'x') + "the end"`: g++ 12 misreads that
  // operator+ inlined into the constructor as a copy out of bounds (-Warray-bounds).
  static std::string make_content() {
    std::string text(100000, 'x');
    text.append("the end");
    return text;
  }
  const std::string content_ = make_content();
};

TEST_F(BlobDownloadTest, BytesInPiecesThatHashToTheNamePass) {
  auto d = BlobDownload::create(path(), descriptor_of(content_));
  ASSERT_TRUE(d.ok()) << d.error().what();
  for (size_t at = 0; at < content_.size(); at += 4096) {
    ASSERT_TRUE(d->write(content_.data() + at, std::min<size_t>(4096, content_.size() - at)));
  }
  auto done = d->finish();
  EXPECT_TRUE(done.ok()) << done.error().what();
  EXPECT_EQ(d->bytes(), content_.size());
  EXPECT_EQ(minirun::sys::read_file(path()).value(), content_);
}

TEST_F(BlobDownloadTest, OneChangedByteIsADigestMismatch) {
  auto d = BlobDownload::create(path(), descriptor_of(content_));
  ASSERT_TRUE(d.ok());
  std::string tampered = content_;
  tampered[500] = 'y';
  ASSERT_TRUE(d->write(tampered.data(), tampered.size()));
  auto done = d->finish();
  ASSERT_FALSE(done.ok());
  EXPECT_NE(done.error().message().find("DIGEST mismatch"), std::string::npos) << done.error().message();
  EXPECT_NE(done.error().message().find(digest_of(tampered).str()), std::string::npos) << "names what it got";
}

TEST_F(BlobDownloadTest, MoreBytesThanTheDescriptorSaysAreStoppedAtOnce) {
  auto d = BlobDownload::create(path(), descriptor_of("abc"));
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(d->write("ab", 2));
  EXPECT_FALSE(d->write("cd", 2));
  ASSERT_TRUE(d->error().has_value());
  EXPECT_NE(d->error()->message().find("SIZE mismatch"), std::string::npos);
  EXPECT_FALSE(d->write("c", 1)) << "a failed download stays failed";
  EXPECT_FALSE(d->finish().ok());
  struct stat st {};
  ASSERT_EQ(::stat(path().c_str(), &st), 0);
  EXPECT_EQ(st.st_size, 2) << "nothing past the limit reached the disk";
}

TEST_F(BlobDownloadTest, ATransferCutShortIsASizeMismatch) {
  auto d = BlobDownload::create(path(), descriptor_of(content_));
  ASSERT_TRUE(d.ok());
  ASSERT_TRUE(d->write(content_.data(), 1000));
  auto done = d->finish();
  ASSERT_FALSE(done.ok());
  EXPECT_NE(done.error().message().find("SIZE mismatch"), std::string::npos) << done.error().message();
}

TEST_F(BlobDownloadTest, AnExistingFileIsNeverOverwritten) {
  ASSERT_TRUE(minirun::sys::write_file(path(), "already here").ok());
  auto d = BlobDownload::create(path(), descriptor_of(content_));
  EXPECT_FALSE(d.ok());
  EXPECT_EQ(minirun::sys::read_file(path()).value(), "already here");
}

}  // namespace
}  // namespace miniswarm::registry
