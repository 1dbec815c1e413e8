/**
 * @file seccomp_cache.cpp
 * @brief The compiled-seccomp-filter cache (see seccomp_cache.hpp).
 */
#include "minirun/runtime/seccomp_cache.hpp"

#include <linux/seccomp.h>
#include <sys/stat.h>

#include <cstdio>
#include <cstring>
#include <optional>

#include "minirun/sys/file.hpp"

namespace minirun::runtime {

std::string seccomp_cache_key(const Seccomp& config) {
  const scmp_version* version = seccomp_version();
  return config.canonical + "\nlibseccomp " + std::to_string(version->major) + "." +
         std::to_string(version->minor) + "." + std::to_string(version->micro) + "\narch " +
         std::to_string(seccomp_arch_native());
}

namespace {

/// 64-bit FNV-1a: a fast, simple hash for the file name (see the header for why a
/// collision is harmless).
std::string fnv1a_hex(const std::string& text) {
  uint64_t h = 14695981039346656037ULL;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

/// The program stored under `key` in `bytes`, or nothing if the entry is for another
/// key or damaged.
std::optional<std::vector<sock_filter>> parse_entry(const std::string& bytes, const std::string& key) {
  size_t newline = bytes.find('\n');
  if (newline == std::string::npos || newline > 20) return std::nullopt;
  size_t key_length = std::strtoull(bytes.c_str(), nullptr, 10);
  size_t start = newline + 1;
  if (key_length != key.size() || bytes.size() < start + key_length) return std::nullopt;
  if (bytes.compare(start, key_length, key) != 0) return std::nullopt;
  size_t program_bytes = bytes.size() - start - key_length;
  if (program_bytes == 0 || program_bytes % sizeof(sock_filter) != 0) return std::nullopt;
  std::vector<sock_filter> program(program_bytes / sizeof(sock_filter));
  std::memcpy(program.data(), bytes.data() + start + key_length, program_bytes);
  return program;
}

}  // namespace

Result<SeccompFilter> cached_seccomp_filter(const Seccomp& config, const std::string& cache_dir, bool& hit) {
  hit = false;
  std::string key, path;
  if (!config.canonical.empty()) {
    key = seccomp_cache_key(config);
    path = cache_dir + "/" + fnv1a_hex(key) + ".bpf";
    if (auto bytes = sys::read_file(path)) {
      if (auto program = parse_entry(*bytes, key)) {
        hit = true;
        return SeccompFilter::from_program(std::move(*program), seccomp_syscall_flags(config), config.syscalls.size());
      }
    }
  }
  auto filter = SeccompFilter::compile(config);
  if (!filter) return std::move(filter.error());
  MINIRUN_TRY(filter->export_program(), "linux.seccomp");
  if (!path.empty() && sys::make_directories(cache_dir, 0700)) {
    // A cache that cannot be written (read-only root, full disk) only costs speed.
    const auto& program = filter->program();
    std::string entry = std::to_string(key.size()) + "\n" + key;
    entry.append(reinterpret_cast<const char*>(program.data()), program.size() * sizeof(sock_filter));
    (void)sys::write_file_atomic(path, entry, 0600);
  }
  return filter;
}

}  // namespace minirun::runtime
