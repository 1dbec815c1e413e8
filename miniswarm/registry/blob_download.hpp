/**
 * @file blob_download.hpp
 * @brief A blob written to disk as it arrives, hashed on the way, and judged at the end.
 *
 * A registry client never trusts what it receives: a blob's name *is* the SHA-256 of
 * its bytes (digest.hpp), so the client hashes every byte as it writes it and, once the
 * transfer ends, compares the result with the digest and the size the manifest gave.
 * Only a blob that passes goes into the store; one that fails is reported and its file
 * is left to the caller's staging directory, which deletes it (staging.hpp). So a
 * corrupt or tampered layer on the manager, or a connection cut halfway, never becomes
 * a blob on the node.
 *
 * Two checks, in the order they can fire:
 *  - **size**, during the transfer: a server that sends more bytes than the descriptor
 *    says is stopped at the first byte too many (a hostile server cannot fill the disk);
 *  - **digest** (and a short transfer), at finish(): the error says
 *    "DIGEST mismatch" and names both digests, as `skopeo copy` and Docker do.
 *
 * The store hashes the file once more when put_blob_file() moves it in (blob_store.hpp
 * hashes what it keeps, where it keeps it): hashing runs at over 1 GB/s, so the second
 * pass costs little next to the transfer, and neither check relies on the other.
 *
 * Specs: OCI distribution-spec `spec.md`, "Pulling blobs" (clients SHOULD verify the
 * digest); OCI image-spec `descriptor.md` ("Digests", "Verification").
 * Man pages: open(2) (O_EXCL), write(2).
 */
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "imagebuilder/store/descriptor.hpp"
#include "minirun/sys/error.hpp"
#include "minirun/sys/unique_fd.hpp"

namespace miniswarm::registry {

using minirun::sys::Error;
using minirun::sys::Result;

class BlobDownload {
 public:
  /// Creates `path` (which must not exist) for the blob `expected` describes.
  static Result<BlobDownload> create(const std::string& path, const imagebuilder::store::Descriptor& expected);

  /// Appends a piece. False once anything went wrong (error() says what); the caller
  /// then stops the transfer.
  bool write(const char* data, std::size_t size);
  /// After the last piece: closes the file and checks the size and the digest.
  Result<void> finish();

  std::uint64_t bytes() const { return written_; }
  const std::string& path() const { return path_; }
  /// The first failure of write(), if any.
  const std::optional<Error>& error() const { return failure_; }

 private:
  BlobDownload(std::string path, minirun::sys::UniqueFd fd, imagebuilder::store::Descriptor expected)
      : path_(std::move(path)), fd_(std::move(fd)), expected_(std::move(expected)) {}

  std::string path_;
  minirun::sys::UniqueFd fd_;
  imagebuilder::store::Descriptor expected_;
  imagebuilder::store::Sha256 hash_;
  std::uint64_t written_ = 0;
  std::optional<Error> failure_;
};

/// The error for bytes that do not hash to their name: "blob `what` ... (DIGEST mismatch)".
Error digest_mismatch(const std::string& what, const imagebuilder::store::Digest& expected,
                      const imagebuilder::store::Digest& actual);

}  // namespace miniswarm::registry
