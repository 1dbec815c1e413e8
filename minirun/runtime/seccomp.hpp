/**
 * @file seccomp.hpp
 * @brief seccomp: a filter on the system calls a container may make.
 *
 * Capabilities decide what a process may do among the privileged operations; seccomp
 * decides which system calls it may make at all. The kernel runs a small BPF program
 * on every syscall: allow it, fail it with an errno (EPERM), kill the process, log it.
 * The OCI config describes the filter as JSON (default action, per-syscall rules with
 * optional argument checks); libseccomp compiles that into BPF.
 *
 * Two details make it real protection rather than theatre:
 *  - Architectures. An x86_64 process can also make 32-bit (i386, x32) syscalls,
 *    which have different numbers. A filter that only knows x86_64 numbers would let
 *    `int 0x80` walk around it. The filter adds every architecture in the config and,
 *    at least, every architecture the host can run (native, x86, x32 on x86_64).
 *  - Order. The filter is loaded last, just before execve(2): after it, the runtime
 *    itself could no longer call mount(2) or pivot_root(2). The filter is compiled in
 *    the parent, before clone(2), so the container's init only has to load it.
 *
 * Man pages: seccomp(2), seccomp_init(3), seccomp_rule_add(3), seccomp_load(3).
 * Lab: labs/05-capabilities-seccomp.
 */
#pragma once

#include <linux/filter.h>
#include <seccomp.h>

#include <vector>

#include "minirun/runtime/spec.hpp"
#include "minirun/sys/error.hpp"

namespace minirun::runtime {

/// A compiled (not yet loaded) seccomp filter; owns the libseccomp context.
class SeccompFilter {
 public:
  SeccompFilter() = default;
  SeccompFilter(const SeccompFilter&) = delete;
  SeccompFilter& operator=(const SeccompFilter&) = delete;
  SeccompFilter(SeccompFilter&& other) noexcept;
  SeccompFilter& operator=(SeccompFilter&& other) noexcept;
  ~SeccompFilter();

  /// Builds the filter from `linux.seccomp`. Errors name the field:
  /// `linux.seccomp.syscalls[3].action: unknown action "SCMP_ACT_NOPE"`. Syscall names
  /// this libseccomp/arch does not know are skipped (as runc does), not errors.
  static Result<SeccompFilter> compile(const Seccomp& config);

  /// A filter from a BPF program made earlier by export_program() (the cache's path:
  /// no libseccomp work at all). `flags` are SECCOMP_FILTER_FLAG_* for seccomp(2).
  static SeccompFilter from_program(std::vector<sock_filter> program, unsigned flags, size_t rules);

  /// Generates the BPF program now (libseccomp does this inside seccomp_load(), and it
  /// is the slow part: milliseconds for Docker's profile). Done in the parent before
  /// clone, the container's init then only hands the program to the kernel.
  Result<void> export_program();

  /// Loads the filter into the calling thread: seccomp(2) with the exported program, or
  /// seccomp_load(3) if none was exported. Without no_new_privileges this needs
  /// CAP_SYS_ADMIN, so the caller orders it accordingly.
  Result<void> load() const;

  /// Number of rules added (for `--explain`).
  size_t rule_count() const { return rules_; }
  bool empty() const { return ctx_ == nullptr && program_.empty(); }
  /// The exported program (empty before export_program()).
  const std::vector<sock_filter>& program() const { return program_; }
  /// SECCOMP_FILTER_FLAG_* for seccomp(2), from `linux.seccomp.flags`.
  unsigned load_flags() const { return load_flags_; }

 private:
  scmp_filter_ctx ctx_ = nullptr;
  size_t rules_ = 0;
  std::vector<sock_filter> program_;
  unsigned load_flags_ = 0;
};

/// `linux.seccomp.flags` as the flags seccomp(2) takes (SECCOMP_FILTER_FLAG_*); names
/// it does not know are left out (compile() reports them).
unsigned seccomp_syscall_flags(const Seccomp& config);

}  // namespace minirun::runtime
