/**
 * @file base36.cpp
 * @brief Base-36 text of a big-endian byte string, by schoolbook long division.
 *
 * Dividing the whole byte string by 36 gives the last digit as the remainder; repeat on
 * the quotient for the digit before it. Each pass is one long division, byte by byte,
 * exactly as on paper. 32 bytes by 50 digits is 1,600 steps: nothing to optimise, and
 * simpler to read than a BIGNUM round trip.
 */
#include "miniswarm/ca/base36.hpp"

#include <vector>

namespace miniswarm::ca {

std::string encode_base36(std::span<const unsigned char> bytes, size_t width) {
  static constexpr char kDigits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
  std::vector<unsigned char> number(bytes.begin(), bytes.end());
  std::string text(width, '0');
  for (size_t pos = width; pos-- > 0;) {
    unsigned remainder = 0;
    for (auto& byte : number) {
      unsigned value = (remainder << 8) | byte;
      byte = static_cast<unsigned char>(value / 36);
      remainder = value % 36;
    }
    text[pos] = kDigits[remainder];
  }
  // Whatever is left after `width` divisions did not fit.
  for (auto byte : number) {
    if (byte != 0) return {};
  }
  return text;
}

bool is_base36(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    bool digit = c >= '0' && c <= '9';
    bool letter = c >= 'a' && c <= 'z';
    if (!digit && !letter) return false;
  }
  return true;
}

}  // namespace miniswarm::ca
