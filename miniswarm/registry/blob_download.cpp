/**
 * @file blob_download.cpp
 * @brief Writing and verifying a downloaded blob (blob_download.hpp).
 */
#include "miniswarm/registry/blob_download.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

namespace miniswarm::registry {

using imagebuilder::store::Descriptor;
using imagebuilder::store::Digest;

Error digest_mismatch(const std::string& what, const Digest& expected, const Digest& actual) {
  return Error(what + ": the content hashes to " + actual.str() + ", not to its name " + expected.str() +
               " (DIGEST mismatch): the copy it came from is corrupt or was changed");
}

Result<BlobDownload> BlobDownload::create(const std::string& path, const Descriptor& expected) {
  minirun::sys::UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (!fd) return Error::from_errno("open", path).context("download blob " + expected.digest.str());
  return BlobDownload(path, std::move(fd), expected);
}

bool BlobDownload::write(const char* data, std::size_t size) {
  if (failure_) return false;
  if (written_ + size > expected_.size) {
    failure_ = Error("blob " + expected_.digest.str() + ": more than the " + std::to_string(expected_.size) +
                     " bytes its descriptor gives arrived (SIZE mismatch): the transfer was stopped");
    return false;
  }
  hash_.update(data, size);
  for (std::size_t done = 0; done < size;) {
    ssize_t n = ::write(fd_.get(), data + done, size - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      failure_ = Error::from_errno("write", path_).context("download blob " + expected_.digest.str());
      return false;
    }
    done += static_cast<std::size_t>(n);
  }
  written_ += size;
  return true;
}

Result<void> BlobDownload::finish() {
  if (failure_) return *failure_;
  fd_.reset();
  if (written_ != expected_.size) {
    return Error("blob " + expected_.digest.str() + ": " + std::to_string(written_) + " bytes arrived, its " +
                 "descriptor gives " + std::to_string(expected_.size) + " (SIZE mismatch: a transfer cut short?)");
  }
  Digest actual = hash_.finish();
  if (!(actual == expected_.digest)) return digest_mismatch("blob " + expected_.digest.str(), expected_.digest, actual);
  return minirun::sys::ok();
}

}  // namespace miniswarm::registry
