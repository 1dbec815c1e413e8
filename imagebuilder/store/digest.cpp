/**
 * @file digest.cpp
 * @brief SHA-256 through GNU Nettle; see digest.hpp.
 *
 * Why Nettle and not OpenSSL (which the kit uses for TLS): OpenSSL 3 sets itself up on
 * the first digest a process asks for (it reads openssl.cnf and registers every
 * algorithm of its default provider), 0.4-0.9 ms on the lab VM, and `minirun run`
 * hashes a manifest and a config to check them before every start. Nettle's sha256 is
 * a plain function over a struct on the stack, with no set-up at all, and as fast on
 * large inputs (both use the CPU's SHA extensions: ~1.1 GB/s here). libarchive links
 * Nettle already.
 */
#include "imagebuilder/store/digest.hpp"

#include <fcntl.h>
#include <nettle/sha2.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "minirun/sys/unique_fd.hpp"

namespace imagebuilder::store {

struct Sha256::State {
  sha256_ctx ctx;
};

Sha256::Sha256() : state_(std::make_unique<State>()) { sha256_init(&state_->ctx); }

Sha256::~Sha256() = default;
Sha256::Sha256(Sha256&&) noexcept = default;
Sha256& Sha256::operator=(Sha256&&) noexcept = default;

void Sha256::update(const void* data, std::size_t size) {
  if (size > 0) sha256_update(&state_->ctx, size, static_cast<const uint8_t*>(data));
}

Digest Sha256::finish() {
  uint8_t raw[SHA256_DIGEST_SIZE];
  sha256_digest(&state_->ctx, sizeof raw, raw);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(2 * sizeof raw);
  for (uint8_t byte : raw) {
    hex.push_back(kHex[byte >> 4]);
    hex.push_back(kHex[byte & 0xf]);
  }
  return Digest::from_hex(std::move(hex));
}

Digest digest_of(std::string_view bytes) {
  Sha256 h;
  h.update(bytes);
  return h.finish();
}

Result<Digest> digest_file(const std::string& path) {
  minirun::sys::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return Error::from_errno("open", path);
  // 1 MiB reads: large enough that the syscall cost vanishes next to the hashing.
  std::vector<char> buffer(1 << 20);
  Sha256 h;
  for (;;) {
    ssize_t n = ::read(fd.get(), buffer.data(), buffer.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Error::from_errno("read", path);
    }
    if (n == 0) break;
    h.update(buffer.data(), static_cast<std::size_t>(n));
  }
  return h.finish();
}

}  // namespace imagebuilder::store
