// Digests: the well-known SHA-256 test vectors, parsing, and file hashing.
#include "imagebuilder/store/digest.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

namespace imagebuilder::store {
namespace {

TEST(Digest, KnownVectors) {
  EXPECT_EQ(digest_of("").str(), "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(digest_of("abc").hex(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Digest, StreamingEqualsOneShot) {
  std::string text(100000, 'x');
  Sha256 h;
  for (std::size_t i = 0; i < text.size(); i += 777) h.update(std::string_view(text).substr(i, 777));
  EXPECT_EQ(h.finish(), digest_of(text));
}

TEST(Digest, ParseAcceptsCanonicalForm) {
  auto d = Digest::parse("sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  ASSERT_TRUE(d.ok()) << d.error().what();
  EXPECT_EQ(d->short_id(), "ba7816bf8f01");
}

TEST(Digest, ParseRejectsBadInputWithClearErrors) {
  for (const char* bad : {"", "sha256", "sha512:abcd", "sha256:ABC", "sha256:../../etc/passwd",
                          "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015aD"}) {
    auto d = Digest::parse(bad);
    ASSERT_FALSE(d.ok()) << bad;
    EXPECT_NE(d.error().what().find("digest"), std::string::npos) << d.error().what();
  }
}

TEST(Digest, FileDigestMatchesBytes) {
  char path[] = "/tmp/digest-test-XXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  close(fd);
  std::string text(3 << 20, 'q');
  std::ofstream(path, std::ios::binary) << text;
  auto d = digest_file(path);
  unlink(path);
  ASSERT_TRUE(d.ok()) << d.error().what();
  EXPECT_EQ(*d, digest_of(text));
  EXPECT_FALSE(digest_file("/nonexistent/file").ok());
}

}  // namespace
}  // namespace imagebuilder::store

#include "imagebuilder/store/compression.hpp"

namespace imagebuilder::store {
namespace {

TEST(UncompressedDigest, PlainAndGzipGiveTheSameDiffId) {
  char dir[] = "/tmp/diffid-test-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  std::string plain = std::string(dir) + "/layer.tar";
  std::string text(200000, 'z');
  std::ofstream(plain, std::ios::binary) << text;
  ASSERT_EQ(std::system(("gzip -k -n " + plain).c_str()), 0);
  auto a = uncompressed_digest(plain);
  auto b = uncompressed_digest(plain + ".gz");
  std::system(("rm -rf " + std::string(dir)).c_str());
  ASSERT_TRUE(a.ok()) << a.error().what();
  ASSERT_TRUE(b.ok()) << b.error().what();
  EXPECT_EQ(a->diff_id, digest_of(text));
  EXPECT_EQ(b->diff_id, digest_of(text));
  EXPECT_EQ(b->size, text.size());
  EXPECT_EQ(a->compression, "none");
  EXPECT_EQ(b->compression, "gzip");
}

TEST(UncompressedDigest, MissingFileIsNamed) {
  auto r = uncompressed_digest("/nonexistent/layer.tar");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().what().find("/nonexistent/layer.tar"), std::string::npos);
}

}  // namespace
}  // namespace imagebuilder::store
