/**
 * @file seccomp.cpp
 * @brief Compiling `linux.seccomp` into a libseccomp filter, and loading it.
 *
 * The OCI config describes a seccomp filter in libseccomp's own vocabulary
 * (`SCMP_ACT_ERRNO`, `SCMP_ARCH_X86`, `SCMP_CMP_MASKED_EQ`), so compiling it is mostly
 * a matter of looking names up and calling seccomp_init(3), seccomp_arch_add(3),
 * seccomp_attr_set(3) and seccomp_rule_add_array(3) in that order. What this file adds
 * are the decisions runc made over the years and that every runtime has to repeat:
 *  - unknown syscall names are skipped, not errors: Docker's profile lists `_llseek`
 *    and `clone3` whether or not this architecture or libseccomp knows them;
 *  - a rule whose action is the default action is skipped (libseccomp refuses it
 *    with EACCES, and it would change nothing anyway);
 *  - several conditions on the same argument become one rule per condition, so they
 *    are ORed (libseccomp refuses two comparisons of one argument in one rule with
 *    EINVAL, and profiles such as Docker's use the form to list allowed values);
 *  - the host's companion architectures are always added (see add_architectures).
 * Every error names the field of config.json it comes from.
 *
 * Left out: SCMP_ACT_NOTIFY (it needs a seccomp agent on `listenerPath`), and
 * `SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV`, which only matters with NOTIFY.
 *
 * Man pages: seccomp(2), seccomp_init(3), seccomp_arch_add(3), seccomp_attr_set(3),
 * seccomp_rule_add(3), seccomp_load(3). Lab: labs/05-capabilities-seccomp.
 */
#include "minirun/runtime/seccomp.hpp"

#include <linux/seccomp.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <array>
#include <cctype>
#include <cerrno>
#include <string>
#include <utility>
#include <vector>

#include "minirun/sys/unique_fd.hpp"

namespace minirun::runtime {
namespace {

/// The largest value an errno return may have: seccomp keeps 16 bits, but the C
/// library only reads -4095..-1 as an error (MAX_ERRNO in the kernel).
constexpr uint32_t kMaxErrno = 4095;

/// "SCMP_ACT_ERRNO" + errnoRet -> the action value libseccomp wants. `field` is the
/// config path of the action, for messages.
Result<uint32_t> resolve_action(const std::string& name, std::optional<uint32_t> errno_ret,
                                const std::string& field) {
  uint32_t ret = errno_ret.value_or(EPERM);  // runc's default for ERRNO and TRACE
  if (ret > kMaxErrno)
    return Error(field + ": errnoRet " + std::to_string(ret) + " is out of range (1..4095)");
  if (name == "SCMP_ACT_ERRNO") return SCMP_ACT_ERRNO(ret);
  if (name == "SCMP_ACT_TRACE") return SCMP_ACT_TRACE(ret);
  if (errno_ret)
    return Error(field + ": errnoRet is only valid with SCMP_ACT_ERRNO and SCMP_ACT_TRACE, not " + name);
  // SCMP_ACT_KILL is the historical name: it kills the thread, not the process.
  if (name == "SCMP_ACT_KILL" || name == "SCMP_ACT_KILL_THREAD") return SCMP_ACT_KILL_THREAD;
  if (name == "SCMP_ACT_KILL_PROCESS") return SCMP_ACT_KILL_PROCESS;
  if (name == "SCMP_ACT_TRAP") return SCMP_ACT_TRAP;
  if (name == "SCMP_ACT_ALLOW") return SCMP_ACT_ALLOW;
  if (name == "SCMP_ACT_LOG") return SCMP_ACT_LOG;
  if (name == "SCMP_ACT_NOTIFY")
    return Error(field + ": SCMP_ACT_NOTIFY is not supported (it needs a seccomp agent)");
  return Error(field + ": unknown action \"" + name + "\"");
}

/// "SCMP_CMP_EQ" -> SCMP_CMP_EQ, or 0 (not a valid scmp_compare) when unknown.
scmp_compare resolve_operator(const std::string& op) {
  static constexpr std::pair<const char*, scmp_compare> kOperators[] = {
      {"SCMP_CMP_NE", SCMP_CMP_NE}, {"SCMP_CMP_LT", SCMP_CMP_LT},
      {"SCMP_CMP_LE", SCMP_CMP_LE}, {"SCMP_CMP_EQ", SCMP_CMP_EQ},
      {"SCMP_CMP_GE", SCMP_CMP_GE}, {"SCMP_CMP_GT", SCMP_CMP_GT},
      {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ},
  };
  for (const auto& [name, value] : kOperators)
    if (op == name) return value;
  return static_cast<scmp_compare>(0);
}

/// The architectures of the config, plus the ones this host can also run.
Result<void> add_architectures(scmp_filter_ctx ctx, const Seccomp& config) {
  std::vector<std::pair<uint32_t, std::string>> arches;  // token, name for messages
  for (size_t i = 0; i < config.architectures.size(); ++i) {
    // "SCMP_ARCH_X86_64" -> "x86_64", the spelling seccomp_arch_resolve_name() knows.
    std::string name = config.architectures[i];
    if (name.rfind("SCMP_ARCH_", 0) == 0) name.erase(0, 10);
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    uint32_t arch = seccomp_arch_resolve_name(name.c_str());
    if (arch == 0)
      return Error("linux.seccomp.architectures[" + std::to_string(i) + "]: unknown architecture \"" +
                   config.architectures[i] + "\"");
    arches.emplace_back(arch, config.architectures[i]);
  }
  // A 64-bit x86 process can also enter the kernel through the i386 (`int $0x80`) and
  // x32 syscall tables, an arm64 one through the 32-bit arm table; the same call has a
  // different number in each. libseccomp checks the architecture first and sends any
  // architecture missing from the filter to the "bad arch" action (kill), so nothing
  // walks around it, but then a 32-bit program dies instead of getting EPERM, and a
  // hand-written BPF filter that forgot the check would let those calls through
  // unfiltered. Adding the companions compiles every rule, by name, for all of the
  // tables the host accepts: `getpid` denied means denied through `int $0x80` too.
  switch (seccomp_arch_native()) {
    case SCMP_ARCH_X86_64:
      arches.emplace_back(SCMP_ARCH_X86, "SCMP_ARCH_X86");
      arches.emplace_back(SCMP_ARCH_X32, "SCMP_ARCH_X32");
      break;
    case SCMP_ARCH_AARCH64:
      arches.emplace_back(SCMP_ARCH_ARM, "SCMP_ARCH_ARM");
      break;
    default:
      break;
  }
  for (const auto& [arch, name] : arches) {
    int rc = seccomp_arch_add(ctx, arch);
    if (rc < 0 && rc != -EEXIST)  // EEXIST: the native arch, or listed twice
      return Error::from_errno("seccomp_arch_add", name, -rc).context("linux.seccomp.architectures");
  }
  return sys::ok();
}

/// `linux.seccomp.flags`: the seccomp(2) SECCOMP_FILTER_FLAG_* as libseccomp attributes.
/// Sets the libseccomp attributes for `linux.seccomp.flags`.
Result<void> apply_flags(scmp_filter_ctx ctx, const Seccomp& config) {
  for (size_t i = 0; i < config.flags.size(); ++i) {
    const std::string& flag = config.flags[i];
    std::string field = "linux.seccomp.flags[" + std::to_string(i) + "]";
    scmp_filter_attr attr;
    if (flag == "SECCOMP_FILTER_FLAG_LOG") attr = SCMP_FLTATR_CTL_LOG;               // log all but ALLOW
    else if (flag == "SECCOMP_FILTER_FLAG_SPEC_ALLOW") attr = SCMP_FLTATR_CTL_SSB;   // keep SSB mitigation off
    else if (flag == "SECCOMP_FILTER_FLAG_TSYNC") attr = SCMP_FLTATR_CTL_TSYNC;      // all threads at once
    else return Error(field + ": unknown flag \"" + flag + "\"");
    int rc = seccomp_attr_set(ctx, attr, 1);
    if (rc < 0) return Error::from_errno("seccomp_attr_set", flag, -rc).context(field);
  }
  return sys::ok();
}

/// The argument comparisons of one rule, checked.
Result<std::vector<scmp_arg_cmp>> build_conditions(const SeccompSyscall& rule, const std::string& field) {
  std::vector<scmp_arg_cmp> conditions;
  for (size_t j = 0; j < rule.args.size(); ++j) {
    const SeccompArg& arg = rule.args[j];
    std::string where = field + ".args[" + std::to_string(j) + "]";
    if (arg.index > 5)
      return Error(where + ".index: " + std::to_string(arg.index) + " is out of range (a syscall has 6 arguments)");
    scmp_compare op = resolve_operator(arg.op);
    if (op == 0) return Error(where + ".op: unknown operator \"" + arg.op + "\"");
    // MASKED_EQ: (argument & value) == valueTwo; the others compare with value only.
    scmp_datum_t second = op == SCMP_CMP_MASKED_EQ ? arg.value_two : 0;
    conditions.push_back(scmp_arg_cmp{arg.index, op, arg.value, second});
  }
  return conditions;
}

/// True when two conditions test the same argument: libseccomp refuses that in one rule.
bool has_repeated_index(const std::vector<scmp_arg_cmp>& conditions) {
  std::array<int, 6> count{};
  for (const auto& c : conditions)
    if (++count[c.arg] > 1) return true;
  return false;
}

}  // namespace

SeccompFilter::SeccompFilter(SeccompFilter&& other) noexcept
    : ctx_(std::exchange(other.ctx_, nullptr)),
      rules_(std::exchange(other.rules_, 0)),
      program_(std::move(other.program_)),
      load_flags_(other.load_flags_) {}

SeccompFilter& SeccompFilter::operator=(SeccompFilter&& other) noexcept {
  if (this != &other) {
    if (ctx_ != nullptr) seccomp_release(ctx_);
    ctx_ = std::exchange(other.ctx_, nullptr);
    rules_ = std::exchange(other.rules_, 0);
    program_ = std::move(other.program_);
    load_flags_ = other.load_flags_;
  }
  return *this;
}

SeccompFilter::~SeccompFilter() {
  if (ctx_ != nullptr) seccomp_release(ctx_);
}

Result<SeccompFilter> SeccompFilter::compile(const Seccomp& config) {
  auto default_action = resolve_action(config.default_action, config.default_errno_ret,
                                       "linux.seccomp.defaultAction");
  if (!default_action) return std::move(default_action.error());

  SeccompFilter filter;  // owns the context from here on, so every error path frees it
  filter.ctx_ = seccomp_init(*default_action);
  if (filter.ctx_ == nullptr) return Error("seccomp_init: libseccomp refused the default action");

  // The runtime sets no_new_privs itself, at a point of its choosing in the setup
  // order; libseccomp would otherwise set it silently inside seccomp_load().
  int rc = seccomp_attr_set(filter.ctx_, SCMP_FLTATR_CTL_NNP, 0);
  if (rc < 0) return Error::from_errno("seccomp_attr_set", "SCMP_FLTATR_CTL_NNP", -rc);
  // Report the kernel's errno from seccomp_load() instead of a generic ECANCELED
  // (libseccomp 2.5+; older versions refuse the attribute and keep their codes).
  (void)seccomp_attr_set(filter.ctx_, SCMP_FLTATR_API_SYSRAWRC, 1);
  // A binary tree of syscall numbers instead of a list (libseccomp 2.5+): every syscall
  // the container makes is checked in O(log n) comparisons instead of O(n), and the
  // kernel loads it faster too (0.7 ms instead of 1.1 ms for Docker's profile here).
  // The cache (seccomp_cache.hpp) pays the slower generation once.
  (void)seccomp_attr_set(filter.ctx_, SCMP_FLTATR_CTL_OPTIMIZE, 2);

  // No extra context on errors: the field path already says where, and the caller
  // says what it was doing ("create `web`: ...").
  if (auto r = add_architectures(filter.ctx_, config); !r) return std::move(r.error());
  if (auto r = apply_flags(filter.ctx_, config); !r) return std::move(r.error());
  filter.load_flags_ = seccomp_syscall_flags(config);

  for (size_t i = 0; i < config.syscalls.size(); ++i) {
    const SeccompSyscall& rule = config.syscalls[i];
    std::string field = "linux.seccomp.syscalls[" + std::to_string(i) + "]";
    auto action = resolve_action(rule.action, rule.errno_ret, field + ".action");
    if (!action) return std::move(action.error());
    auto conditions = build_conditions(rule, field);
    if (!conditions) return std::move(conditions.error());
    if (*action == *default_action) continue;  // a no-op rule; libseccomp says EACCES

    bool one_rule_per_condition = has_repeated_index(*conditions);
    for (const std::string& name : rule.names) {
      int nr = seccomp_syscall_resolve_name(name.c_str());
      if (nr == __NR_SCMP_ERROR) continue;  // unknown here: skip, as runc does
      if (one_rule_per_condition) {
        for (const scmp_arg_cmp& c : *conditions) {
          rc = seccomp_rule_add_array(filter.ctx_, *action, nr, 1, &c);
          if (rc < 0) return Error::from_errno("seccomp_rule_add", name, -rc).context(field);
          ++filter.rules_;
        }
      } else {
        rc = seccomp_rule_add_array(filter.ctx_, *action, nr, static_cast<unsigned>(conditions->size()),
                                    conditions->data());
        if (rc < 0) return Error::from_errno("seccomp_rule_add", name, -rc).context(field);
        ++filter.rules_;
      }
    }
  }
  return filter;
}

unsigned seccomp_syscall_flags(const Seccomp& config) {
  unsigned flags = 0;
  for (const auto& f : config.flags) {
    if (f == "SECCOMP_FILTER_FLAG_LOG") flags |= SECCOMP_FILTER_FLAG_LOG;
    if (f == "SECCOMP_FILTER_FLAG_SPEC_ALLOW") flags |= SECCOMP_FILTER_FLAG_SPEC_ALLOW;
    if (f == "SECCOMP_FILTER_FLAG_TSYNC") flags |= SECCOMP_FILTER_FLAG_TSYNC;
  }
  return flags;
}

SeccompFilter SeccompFilter::from_program(std::vector<sock_filter> program, unsigned flags, size_t rules) {
  SeccompFilter filter;
  filter.program_ = std::move(program);
  filter.load_flags_ = flags;
  filter.rules_ = rules;
  return filter;
}

Result<void> SeccompFilter::export_program() {
  if (ctx_ == nullptr) return Error("seccomp_export_bpf: no filter was compiled");
  // libseccomp 2.5 can only export to a file descriptor: use an anonymous memory file.
  sys::UniqueFd fd(::memfd_create("seccomp-bpf", MFD_CLOEXEC));
  if (!fd) return Error::from_errno("memfd_create");
  int rc = seccomp_export_bpf(ctx_, fd.get());
  if (rc < 0) return Error::from_errno("seccomp_export_bpf", "", -rc);
  off_t size = ::lseek(fd.get(), 0, SEEK_END);
  if (size <= 0 || size % static_cast<off_t>(sizeof(sock_filter)) != 0) {
    return Error("seccomp_export_bpf: unexpected program size " + std::to_string(size));
  }
  std::vector<sock_filter> program(static_cast<size_t>(size) / sizeof(sock_filter));
  if (::pread(fd.get(), program.data(), static_cast<size_t>(size), 0) != size) {
    return Error::from_errno("read", "exported seccomp program");
  }
  program_ = std::move(program);
  return sys::ok();
}

Result<void> SeccompFilter::load() const {
  if (!program_.empty()) {
    struct sock_fprog prog {};
    prog.len = static_cast<unsigned short>(program_.size());
    prog.filter = const_cast<sock_filter*>(program_.data());
    if (::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, load_flags_, &prog) < 0) {
      return Error::from_errno("seccomp(SECCOMP_SET_MODE_FILTER)");
    }
    return sys::ok();
  }
  if (ctx_ == nullptr) return Error("seccomp_load: no filter was compiled");
  int rc = seccomp_load(ctx_);
  if (rc < 0) return Error::from_errno("seccomp_load", "", -rc);
  return sys::ok();
}

}  // namespace minirun::runtime
