/**
 * @file seccomp_cache.hpp
 * @brief Compiling a seccomp profile once, not at every container start.
 *
 * Turning Docker's default profile (some 350 syscall rules, for three architectures)
 * into a BPF program takes libseccomp several milliseconds, more than every namespace,
 * mount and cgroup of the container together. runc pays it at every start. Yet the
 * result only depends on the profile's text, the libseccomp version and the machine's
 * architecture, so the kit keeps each compiled program in a cache:
 *
 *     <state root>/.cache/seccomp/<hash>.bpf
 *         "<length of the key text>\n" <key text> <raw struct sock_filter array>
 *
 * The key text is exactly those three inputs; the file name is a 64-bit FNV-1a hash of
 * it, and a hit requires the whole stored key text to be equal, so a hash collision can
 * only cause a miss, never the wrong filter. (A cryptographic hash would need OpenSSL,
 * whose start-up alone costs milliseconds: the very time the cache is there to save.)
 *
 * A hit loads the program straight into seccomp(2), which is what libseccomp would have
 * done with the program it generated. The cache lives in the state root (root-only,
 * usually on tmpfs), is written atomically (write + rename), and a damaged entry is
 * ignored and recompiled. Filters built in code (without the JSON text) are not cached.
 * `--explain` says whether a start hit the cache.
 *
 * Man pages: seccomp(2), seccomp_export_bpf(3). Lab: labs/05-capabilities-seccomp.
 */
#pragma once

#include <string>

#include "minirun/runtime/seccomp.hpp"
#include "minirun/runtime/spec.hpp"

namespace minirun::runtime {

/// The cache key text: the profile's canonical JSON, the libseccomp version and the
/// native architecture.
std::string seccomp_cache_key(const Seccomp& config);

/// A filter ready to load, with its BPF program exported: from the cache in
/// `cache_dir` when an entry exists, else compiled and then stored there. `hit` says which.
Result<SeccompFilter> cached_seccomp_filter(const Seccomp& config, const std::string& cache_dir, bool& hit);

}  // namespace minirun::runtime
