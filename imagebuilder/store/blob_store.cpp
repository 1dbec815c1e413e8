/**
 * @file blob_store.cpp
 * @brief Writing, reading and removing content-addressed blobs; see blob_store.hpp.
 */
#include "imagebuilder/store/blob_store.hpp"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <vector>

#include "imagebuilder/store/directory_listing.hpp"
#include "imagebuilder/store/staging.hpp"
#include "minirun/sys/file.hpp"
#include "minirun/sys/unique_fd.hpp"

namespace imagebuilder::store {

namespace {

using minirun::sys::UniqueFd;

/// A new empty file under `dir` (mkstemp); returns its path.
Result<std::string> make_temp_file(const std::string& dir) {
  MINIRUN_TRY(minirun::sys::make_directories(dir, 0700), "staging area");
  std::string pattern = dir + "/blob-XXXXXX";
  std::vector<char> name(pattern.begin(), pattern.end());
  name.push_back('\0');
  UniqueFd fd(::mkstemp(name.data()));
  if (!fd) return Error::from_errno("mkstemp", pattern);
  return std::string(name.data());
}

/// Copies `from` into the existing file `to` (the cross-filesystem case of put_blob_file).
Result<void> copy_file(const std::string& from, const std::string& to) {
  UniqueFd in(::open(from.c_str(), O_RDONLY | O_CLOEXEC));
  if (!in) return Error::from_errno("open", from);
  UniqueFd out(::open(to.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC));
  if (!out) return Error::from_errno("open", to);
  std::vector<char> buffer(1 << 20);
  for (;;) {
    ssize_t n = ::read(in.get(), buffer.data(), buffer.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Error::from_errno("read", from);
    }
    if (n == 0) break;
    for (ssize_t done = 0; done < n;) {
      ssize_t w = ::write(out.get(), buffer.data() + done, static_cast<std::size_t>(n - done));
      if (w < 0) {
        if (errno == EINTR) continue;
        return Error::from_errno("write", to);
      }
      done += w;
    }
  }
  return minirun::sys::ok();
}

bool is_hex64(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace

std::string BlobStore::blob_path(const Digest& digest) const { return root_ + "/blobs/sha256/" + digest.hex(); }

bool BlobStore::has_blob(const Digest& digest) const {
  struct stat st {};
  return ::stat(blob_path(digest).c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

Result<std::uint64_t> BlobStore::blob_size(const Digest& digest) const {
  struct stat st {};
  if (::stat(blob_path(digest).c_str(), &st) < 0) return Error::from_errno("stat", blob_path(digest));
  return static_cast<std::uint64_t>(st.st_size);
}

Result<Descriptor> BlobStore::put_blob(std::string_view bytes, std::string media_type) const {
  Descriptor d{std::move(media_type), digest_of(bytes), bytes.size(), {}};
  if (has_blob(d.digest)) {
    touch(d.digest);
    return d;
  }
  MINIRUN_TRY(write_file_via(tmp_dir(), blob_path(d.digest), bytes, 0444), "store blob " + d.digest.str());
  return d;
}

Result<Descriptor> BlobStore::put_blob_file(const std::string& path, std::string media_type,
                                            std::optional<Digest> expected) const {
  auto staged = make_temp_file(tmp_dir());
  if (!staged) return std::move(staged.error()).context("store blob from `" + path + "`");
  // Move first, hash second: what is hashed is then exactly what is kept.
  if (::rename(path.c_str(), staged->c_str()) < 0) {
    if (errno != EXDEV) {
      Error e = Error::from_errno("rename", path + "` to `" + *staged);
      ::unlink(staged->c_str());
      return std::move(e).context("store blob");
    }
    if (auto copied = copy_file(path, *staged); !copied) {
      ::unlink(staged->c_str());
      return std::move(copied.error()).context("store blob");
    }
  }
  auto result = install_staged(*staged, std::move(media_type), expected, path);
  ::unlink(staged->c_str());  // no-op after a successful rename; cleans up on failure
  return result;
}

Result<Descriptor> BlobStore::install_staged(const std::string& staged, std::string media_type,
                                             const std::optional<Digest>& expected, const std::string& source) const {
  auto digest = digest_file(staged);
  if (!digest) return std::move(digest.error()).context("store blob from `" + source + "`");
  if (expected && !(*expected == *digest)) {
    return Error("store blob from `" + source + "`: content hashes to " + digest->str() + ", expected " +
                 expected->str() + " (corrupt or tampered)");
  }
  struct stat st {};
  if (::stat(staged.c_str(), &st) < 0) return Error::from_errno("stat", staged);
  Descriptor d{std::move(media_type), *digest, static_cast<std::uint64_t>(st.st_size), {}};
  if (has_blob(d.digest)) {
    touch(d.digest);
    return d;
  }
  MINIRUN_TRY(minirun::sys::make_directories(root_ + "/blobs/sha256"), "store blob");
  if (::chmod(staged.c_str(), 0444) < 0) return Error::from_errno("chmod", staged);
  MINIRUN_TRY(sync_file(staged), "store blob");
  if (::rename(staged.c_str(), blob_path(d.digest).c_str()) < 0) {
    return Error::from_errno("rename", staged + "` to `" + blob_path(d.digest));
  }
  return d;
}

void BlobStore::touch(const Digest& digest) const {
  // Best effort: a failure only shortens the blob's protection from prune.
  (void)::utimensat(AT_FDCWD, blob_path(digest).c_str(), nullptr, 0);
}

Result<std::string> BlobStore::read_blob(const Digest& digest, std::size_t max_bytes) const {
  auto size = blob_size(digest);
  if (!size) return std::move(size.error()).context("read blob " + digest.str());
  if (*size > max_bytes) {
    return Error("read blob " + digest.str() + ": " + std::to_string(*size) + " bytes, more than the " +
                 std::to_string(max_bytes) + " allowed for this kind of blob");
  }
  auto bytes = minirun::sys::read_file(blob_path(digest));
  if (!bytes) return std::move(bytes.error()).context("read blob " + digest.str());
  if (auto actual = digest_of(*bytes); !(actual == digest)) {
    return Error("blob `" + blob_path(digest) + "` is corrupt: its content hashes to " + actual.str());
  }
  return bytes;
}

Result<void> BlobStore::remove_blob(const Digest& digest) const {
  if (::unlink(blob_path(digest).c_str()) < 0 && errno != ENOENT) return Error::from_errno("unlink", blob_path(digest));
  return minirun::sys::ok();
}

Result<std::vector<Digest>> BlobStore::list_blobs() const {
  auto names = list_directory(root_ + "/blobs/sha256");
  if (!names) return std::move(names.error());
  std::vector<Digest> out;
  for (const auto& name : *names) {
    if (is_hex64(name)) out.push_back(Digest::from_hex(name));
  }
  return out;
}

}  // namespace imagebuilder::store
