/**
 * @file digest_text.cpp
 * @brief A digest as text, `sha256:<64 hex digits>`: parsing and checking it (digest.hpp).
 *
 * Apart from the hashing in digest.cpp, so that a program that only reads digests (the
 * engine's monitor releasing an image hold) does not link the hashing library for it.
 */
#include "imagebuilder/store/digest.hpp"

namespace imagebuilder::store {

namespace {
constexpr std::size_t kHexLength = 64;

bool is_lower_hex(std::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}
}  // namespace

Result<Digest> Digest::parse(std::string_view text) {
  auto colon = text.find(':');
  if (colon == std::string_view::npos) {
    return Error("digest `" + std::string(text) + "`: expected `sha256:<64 hex digits>`");
  }
  auto algorithm = text.substr(0, colon);
  auto hex = text.substr(colon + 1);
  if (algorithm != "sha256") {
    return Error("digest `" + std::string(text) + "`: unsupported algorithm `" + std::string(algorithm) +
                 "` (only sha256 is supported)");
  }
  if (hex.size() != kHexLength || !is_lower_hex(hex)) {
    return Error("digest `" + std::string(text) + "`: expected 64 lower-case hex digits after `sha256:`");
  }
  return Digest(std::string(hex));
}

}  // namespace imagebuilder::store
