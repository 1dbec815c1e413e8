/**
 * @file digest.hpp
 * @brief Content addresses: `sha256:<64 hex digits>` for every blob, layer and image.
 *
 * An image store is content-addressed: a blob's name is the SHA-256 of its bytes, so
 * two layers with the same bytes are stored once, a name can never point at the wrong
 * content, and a download (or a `load` of a tarball) is verified just by hashing it
 * again. The OCI image spec calls such a name a *digest* and writes it
 * `algorithm:encoded`; this kit, like Docker, uses only `sha256`.
 *
 * Hashing is GNU Nettle's, which uses the CPU's SHA extensions when they exist:
 * digesting a layer runs at well over 1 GB/s, so it is never what a build waits for
 * (tests/bench/layer_digest_bench.cpp measures it), and it needs no set-up, so hashing
 * one small manifest costs microseconds (digest.cpp says why not OpenSSL).
 *
 * Specs: OCI image-spec `descriptor.md` (Digests). Man pages: sha256sum(1); Nettle's
 * manual, "Recommended hash functions" (`info nettle`).
 * Lab: labs/01-image-and-container (`ls blobs/sha256`, then `sha256sum` a blob).
 */
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "minirun/sys/error.hpp"

namespace imagebuilder::store {

using minirun::sys::Error;
using minirun::sys::Result;

/// A validated `sha256:<64 lower-case hex>` digest.
class Digest {
 public:
  Digest() = default;

  /// Parses and checks `sha256:<hex>`; the error names what is wrong with `text`.
  static Result<Digest> parse(std::string_view text);
  /// From 64 lower-case hex digits (as Sha256::hex_final returns); not checked again.
  static Digest from_hex(std::string hex) { return Digest(std::move(hex)); }

  /// `sha256:<hex>`, the form written in manifests and configs.
  std::string str() const { return "sha256:" + hex_; }
  /// The 64 hex digits alone: the file name under `blobs/sha256/`.
  const std::string& hex() const { return hex_; }
  /// The first 12 hex digits, as `docker images` shows an image id.
  std::string short_id() const { return hex_.substr(0, 12); }
  bool empty() const { return hex_.empty(); }

  friend bool operator==(const Digest& a, const Digest& b) { return a.hex_ == b.hex_; }
  friend bool operator<(const Digest& a, const Digest& b) { return a.hex_ < b.hex_; }

 private:
  explicit Digest(std::string hex) : hex_(std::move(hex)) {}
  std::string hex_;
};

/// Streaming SHA-256: feed bytes with update(), then take the digest once.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  Sha256(Sha256&&) noexcept;
  Sha256& operator=(Sha256&&) noexcept;

  void update(const void* data, std::size_t size);
  void update(std::string_view bytes) { update(bytes.data(), bytes.size()); }
  /// Ends the hash; the object may not be updated afterwards.
  Digest finish();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

/// The digest of bytes in memory (a manifest, a config).
Digest digest_of(std::string_view bytes);

/// The digest of a file's contents, read in large chunks.
Result<Digest> digest_file(const std::string& path);

}  // namespace imagebuilder::store
