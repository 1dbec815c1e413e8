/**
 * @file base36.hpp
 * @brief Big numbers written with the 36 characters [0-9a-z], as Swarm writes them.
 *
 * Swarm spells every random or hashed value it shows a human in base 36: node and task
 * ids, the secret of a join token (128 bits in 25 characters) and the digest of the
 * root CA certificate inside that token (256 bits in 50 characters). Base 36 is
 * lower-case letters and digits only, so a token survives copy-paste, a shell, a URL
 * and a YAML file without quoting, and it is about a fifth shorter than hex.
 *
 * The number is the bytes read as one big-endian unsigned integer, written most
 * significant digit first and left-padded with '0' to a fixed width (Go's
 * `fmt.Sprintf("%0*s", width, n.Text(36))`, which is what SwarmKit does). A fixed width
 * makes the token's parts fixed-length, so a parser can name the part that is wrong.
 *
 * Left out: decoding. Nothing in the swarm needs the number back; tokens and digests
 * are only ever compared as text.
 */
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

namespace miniswarm::ca {

/// The big-endian number in `bytes`, in base 36, left-padded with '0' to `width`
/// characters. Returns "" when the number needs more than `width` digits, which no
/// caller does on purpose (36^25 > 2^128 and 36^50 > 2^256).
std::string encode_base36(std::span<const unsigned char> bytes, size_t width);

/// Whether every character is one of [0-9a-z] (an empty string is not base 36).
bool is_base36(std::string_view text);

}  // namespace miniswarm::ca
