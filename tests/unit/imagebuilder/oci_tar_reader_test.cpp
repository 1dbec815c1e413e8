// Reading untrusted tarballs by entry name: clean names only, expected names only,
// links resolved inside the archive, nothing ever extracted.
#include "imagebuilder/oci/tar_reader.hpp"

#include <gtest/gtest.h>

#include "imagebuilder/oci/archive_names.hpp"
#include "oci_test_support.hpp"

namespace imagebuilder::oci {
namespace {

using store::testing::TempDir;
using testing::TarEntry;
using testing::write_tar;

const std::string kHex(64, 'a');

class TarReaderTest : public ::testing::Test {
 protected:
  std::string tarball() const { return dir_.path() + "/in.tar"; }
  std::string staging() {
    std::string s = dir_.path() + "/staging";
    (void)minirun::sys::make_directories(s);
    return s;
  }
  Result<StagedArchive> stage(const std::vector<TarEntry>& entries, bool gzip = false) {
    EXPECT_TRUE(write_tar(tarball(), entries, gzip));
    return stage_tarball(tarball(), staging(), is_image_archive_entry);
  }
  TempDir dir_;
};

TEST(TarEntryName, CleanNamesPassAndEscapesAreRejected) {
  EXPECT_EQ(*clean_entry_name("index.json"), "index.json");
  EXPECT_EQ(*clean_entry_name("./blobs/sha256/"), "blobs/sha256/");
  for (const char* bad : {"/etc/passwd", "../x", "blobs/../../x", "blobs//sha256", "blobs/./x"}) {
    EXPECT_FALSE(clean_entry_name(bad).ok()) << bad;
  }
}

TEST(ArchiveNames, OnlyLayoutAndDockerArchiveNamesAreExpected) {
  for (const std::string& good : {std::string("oci-layout"), std::string("index.json"), std::string("manifest.json"),
                                  std::string("repositories"), "blobs/sha256/" + kHex, kHex + ".json", kHex + ".tar",
                                  kHex + "/layer.tar", kHex + "/json", kHex + "/VERSION", kHex + "/",
                                  std::string("blobs/")}) {
    EXPECT_TRUE(is_image_archive_entry(good)) << good;
  }
  for (const std::string& bad : {std::string("etc/passwd"), std::string("blobs/sha256/xyz"), std::string("x.json"),
                                 kHex + "/layer.tar/x", std::string("blobs/sha512/") + kHex}) {
    EXPECT_FALSE(is_image_archive_entry(bad)) << bad;
  }
}

TEST_F(TarReaderTest, StagesFilesUnderNamesItChooses) {
  auto staged = stage({{"oci-layout", "L", "", false}, {"blobs/", "", "", true}, {"blobs/sha256/" + kHex, "B", "", false}});
  ASSERT_TRUE(staged.ok()) << staged.error().what();
  ASSERT_NE(staged->find("blobs/sha256/" + kHex), nullptr);
  EXPECT_EQ(*minirun::sys::read_file(*staged->find("blobs/sha256/" + kHex)), "B");
  EXPECT_EQ(staged->find("blobs/sha256/" + kHex)->rfind(dir_.path() + "/staging/", 0), 0u);
}

TEST_F(TarReaderTest, ReadsGzipCompressedTarball) {
  auto staged = stage({{"oci-layout", "L", "", false}}, true);
  ASSERT_TRUE(staged.ok()) << staged.error().what();
  EXPECT_EQ(*minirun::sys::read_file(*staged->find("oci-layout")), "L");
}

TEST_F(TarReaderTest, RejectsDotDotEntryNamingTarballAndEntry) {
  auto staged = stage({{"oci-layout", "L", "", false}, {"../evil", "x", "", false}});
  ASSERT_FALSE(staged.ok());
  EXPECT_NE(staged.error().what().find(tarball()), std::string::npos) << staged.error().what();
  EXPECT_NE(staged.error().what().find("`../evil`"), std::string::npos) << staged.error().what();
  EXPECT_FALSE(minirun::sys::path_exists(dir_.path() + "/evil"));
}

TEST_F(TarReaderTest, RejectsAbsoluteEntry) {
  auto staged = stage({{"/tmp/evil", "x", "", false}});
  ASSERT_FALSE(staged.ok());
  EXPECT_NE(staged.error().what().find("absolute"), std::string::npos) << staged.error().what();
}

TEST_F(TarReaderTest, RejectsUnexpectedEntry) {
  auto staged = stage({{"etc/cron.d/evil", "x", "", false}});
  ASSERT_FALSE(staged.ok());
  EXPECT_NE(staged.error().what().find("unexpected entry"), std::string::npos) << staged.error().what();
}

TEST_F(TarReaderTest, RejectsDuplicateEntry) {
  auto staged = stage({{"index.json", "{}", "", false}, {"index.json", "[]", "", false}});
  ASSERT_FALSE(staged.ok());
  EXPECT_NE(staged.error().what().find("twice"), std::string::npos) << staged.error().what();
}

TEST_F(TarReaderTest, SymlinkBecomesAliasOfArchiveEntry) {
  std::string other(64, 'b');
  auto staged = stage({{other + "/layer.tar", "LAYER", "", false}, {kHex + "/layer.tar", "", "../" + other + "/layer.tar", false}});
  ASSERT_TRUE(staged.ok()) << staged.error().what();
  EXPECT_EQ(*staged->find(kHex + "/layer.tar"), *staged->find(other + "/layer.tar"));
}

TEST_F(TarReaderTest, RejectsSymlinkLeavingArchive) {
  auto staged = stage({{kHex + "/layer.tar", "", "../../etc/shadow", false}});
  ASSERT_FALSE(staged.ok());
  EXPECT_NE(staged.error().what().find("leaves the archive"), std::string::npos) << staged.error().what();
}

TEST_F(TarReaderTest, RejectsNonTarInput) {
  ASSERT_TRUE(minirun::sys::write_file(tarball(), std::string(2000, 'z')).ok());
  auto staged = stage_tarball(tarball(), staging(), is_image_archive_entry);
  ASSERT_FALSE(staged.ok());
  EXPECT_NE(staged.error().what().find(tarball()), std::string::npos) << staged.error().what();
}

}  // namespace
}  // namespace imagebuilder::oci
