/**
 * @file cgroup_v1.cpp
 * @brief cgroup v1: one directory per controller hierarchy, and its knobs.
 *
 * On a v1 host (this lab VM) every controller is its own tree: `/sys/fs/cgroup/memory`,
 * `/sys/fs/cgroup/pids`, ... A container therefore gets one directory in each tree the
 * kit uses (memory, cpu, cpuacct, pids, cpuset, freezer, devices; two controllers
 * mounted together, such as `cpu,cpuacct`, share one directory), and a process joins it
 * by being written into every one of them. A new container process writes "0" into each
 * `tasks` file itself (open_self_join_files()): moving oneself takes 30 us, moving
 * another process by pid waits for an RCU grace period (5-15 ms here; see cgroup.hpp).
 * Controllers that are not mounted are skipped, unless the config asks for a limit only
 * they could enforce: then create() fails, naming the field, instead of silently running
 * without the limit.
 *
 * What lands where (all written once, into a directory the kit has just made):
 *
 *  | spec field (linux.resources.)  | knob                            | note                         |
 *  |--------------------------------|---------------------------------|------------------------------|
 *  | memory.limit                   | memory.limit_in_bytes           | -1: unlimited                |
 *  | memory.swap                    | memory.memsw.limit_in_bytes     | memory *plus* swap; after the limit, since memsw may never be below it |
 *  | memory.reservation             | memory.soft_limit_in_bytes      |                              |
 *  | memory.disableOOMKiller        | memory.oom_control (1)          | tasks wait instead of dying  |
 *  | cpu.shares                     | cpu.shares                      | relative weight, default 1024 |
 *  | cpu.period, cpu.quota          | cpu.cfs_period_us, cpu.cfs_quota_us | period first: the kernel checks the quota against it |
 *  | cpu.cpus, cpu.mems             | cpuset.cpus, cpuset.mems        |                              |
 *  | pids.limit                     | pids.max                        | -1 or 0: "max"               |
 *  | devices[]                      | devices.deny "a", then each rule to devices.allow/deny, in order | |
 *
 * Two v1 quirks shape the code:
 *
 *  - cpuset: a new v1 cpuset directory starts with *empty* `cpuset.cpus` and
 *    `cpuset.mems`, and a process cannot join a cpuset with no CPUs (ENOSPC). So each
 *    directory the kit makes in the cpuset tree (the shared `minirun` parent too) gets
 *    its parent's values first; the config's own values are written afterwards.
 *  - devices: the device controller is the v1 defence against a container that holds
 *    CAP_MKNOD (Docker's default set does) creating `/dev/sda` and reading the host's
 *    disk. The rules go in as the kernel expects: deny everything, then the list in
 *    order, so a later rule overrides an earlier one.
 *
 * Freezing is asynchronous on v1: writing FROZEN puts the group in FREEZING until every
 * task has stopped, so freeze() writes and re-reads `freezer.state` until it says FROZEN
 * (at most 2 s; the write is repeated, which is how the kernel retries stragglers).
 *
 * The container's own directory must not exist yet: adopting an existing directory
 * would mean writing limits into a cgroup the kit did not make, maybe another
 * container's. Directories above it are created when missing (and remembered, so a
 * failed create() or a destroy() removes exactly those).
 *
 * Man pages: cgroups(7). Kernel docs: Documentation/admin-guide/cgroup-v1/{memory,
 * cpusets,devices,freezer-subsystem,pids}.rst. Lab: labs/04-cgroups.
 */
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include "minirun/runtime/cgroup.hpp"
#include "minirun/sys/file.hpp"

namespace minirun::runtime {

using sys::ok;

namespace {

/// Knob files, named as the kernel names them.
namespace knob {
constexpr const char* memory_limit_in_bytes = "memory.limit_in_bytes";
constexpr const char* memory_memsw_limit_in_bytes = "memory.memsw.limit_in_bytes";
constexpr const char* memory_soft_limit_in_bytes = "memory.soft_limit_in_bytes";
constexpr const char* memory_oom_control = "memory.oom_control";
constexpr const char* memory_usage_in_bytes = "memory.usage_in_bytes";
constexpr const char* cpu_shares = "cpu.shares";
constexpr const char* cpu_cfs_period_us = "cpu.cfs_period_us";
constexpr const char* cpu_cfs_quota_us = "cpu.cfs_quota_us";
constexpr const char* cpuacct_usage = "cpuacct.usage";
constexpr const char* cpuset_cpus = "cpuset.cpus";
constexpr const char* cpuset_mems = "cpuset.mems";
constexpr const char* pids_max = "pids.max";
constexpr const char* pids_current = "pids.current";
constexpr const char* devices_allow = "devices.allow";
constexpr const char* devices_deny = "devices.deny";
constexpr const char* freezer_state = "freezer.state";
constexpr const char* cgroup_procs = "cgroup.procs";
constexpr const char* tasks = "tasks";  // threads, one at a time; "0" is the writer itself
}  // namespace knob

/// How long freeze()/thaw() wait for the kernel to report the new state.
constexpr std::chrono::milliseconds kFreezeTimeout{2000};

/// A device rule as the kernel reads it: "c 1:3 rwm", "*" for any major/minor.
Result<std::string> device_rule_text(const DeviceRule& rule, const std::string& field) {
  if (rule.type != 'a' && rule.type != 'b' && rule.type != 'c')
    return Error(field + ".type `" + std::string(1, rule.type) + "`: must be a, b or c");
  if (rule.access.empty() || rule.access.find_first_not_of("rwm") != std::string::npos)
    return Error(field + ".access `" + rule.access + "`: must be letters from \"rwm\"");
  auto number = [](const std::optional<int64_t>& n) { return n && *n >= 0 ? std::to_string(*n) : std::string("*"); };
  return std::string(1, rule.type) + " " + number(rule.major) + ":" + number(rule.minor) + " " + rule.access;
}

class CgroupV1 final : public Cgroup {
 public:
  CgroupV1(const CgroupLayout& layout, std::vector<CgroupPlace> places, bool existing)
      : layout_(layout), state_(existing ? State::opened : State::planned) {
    for (auto& place : places) hierarchies_.push_back({std::move(place), {}});
  }
  ~CgroupV1() override {
    if (state_ == State::created && !released_) (void)destroy();
  }
  CgroupV1(const CgroupV1&) = delete;
  CgroupV1& operator=(const CgroupV1&) = delete;

  Result<void> plan(const Resources& resources) override {
    if (state_ != State::planned) return Error("cgroup: plan() on a cgroup that was already created or opened");
    if (planned_) return ok();
    auto plan = plan_v1_writes(resources);
    if (!plan) return std::move(plan.error());
    // Check every limit has its controller before making anything.
    for (const auto& write : *plan)
      if (dir_of(write.controller) == nullptr)
        return Error(write.field + ": the `" + write.controller + "` cgroup controller is not mounted on this host");
    // Each hierarchy joined costs a mkdir, a cgroup.procs write and an rmdir per
    // container. memory, pids, devices (security), freezer (pause) and cpuacct (usage)
    // are always joined; cpu only for CPU limits, and cpuset only when the config asks
    // for CPUs or memory nodes: making a v1 cpuset directory is slow (the kernel
    // rebuilds its scheduling domains: ~10 ms here, more than all the rest of a
    // container start), and without one the container simply keeps its parent's CPUs.
    bool want_cpu = resources.cpu_shares || resources.cpu_quota || resources.cpu_period;
    bool want_cpuset = !resources.cpuset_cpus.empty() || !resources.cpuset_mems.empty();
    std::erase_if(hierarchies_, [&](const Hierarchy& h) {
      return std::none_of(h.place.controllers.begin(), h.place.controllers.end(), [&](const std::string& c) {
        return (c == "cpu" && want_cpu) || (c == "cpuset" && want_cpuset) || (c != "cpu" && c != "cpuset");
      });
    });
    writes_ = std::move(*plan);
    planned_ = true;
    return ok();
  }

  Result<void> create(const Resources& resources) override {
    if (state_ != State::planned) return Error("cgroup: create() on a cgroup that was already created or opened");
    // plan() (here, or earlier by the runtime, with the same resources) checked the
    // limits and kept the writes they become.
    MINIRUN_TRY(plan(resources), "cgroup");
    for (auto& h : hierarchies_) {
      auto made = make_dirs(h);
      if (!made) return undo(std::move(made.error()));
    }
    for (const auto& write : writes_) {
      auto written = cgroupfs::apply_write(*dir_of(write.controller), write);
      if (!written) return undo(std::move(written.error()));
    }
    state_ = State::created;
    return ok();
  }

  Result<void> add_process(pid_t pid) override {
    for (const auto& h : hierarchies_)
      MINIRUN_TRY(cgroupfs::write_knob(h.place.dir, knob::cgroup_procs, std::to_string(pid)),
                  "move pid " + std::to_string(pid) + " into its cgroup");
    return ok();
  }

  Result<std::vector<SelfJoinFile>> open_self_join_files() const override {
    std::vector<SelfJoinFile> files;
    for (const auto& h : hierarchies_) {
      std::string path = h.place.dir + "/" + knob::tasks;
      sys::UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
      if (!fd) return Error::from_errno("open", path).context("cgroup");
      files.push_back({std::move(fd), std::move(path)});
    }
    return files;
  }

  Result<std::vector<pid_t>> processes() const override {
    // Every hierarchy holds the same processes; pids (or memory, freezer) is the one
    // a container cannot leave without the runtime noticing.
    const std::string* dir = dir_of("pids");
    if (dir == nullptr) dir = dir_of("memory");
    if (dir == nullptr) dir = dir_of("freezer");
    if (dir == nullptr) dir = &hierarchies_.front().place.dir;
    auto pids = cgroupfs::read_procs(*dir);
    if (!pids) return std::move(pids.error()).context("list the processes of the cgroup");
    return pids;
  }

  Result<void> freeze() override { return set_freezer_state("FROZEN"); }
  Result<void> thaw() override { return set_freezer_state("THAWED"); }

  Result<bool> frozen() const override {
    const std::string* dir = dir_of("freezer");
    if (dir == nullptr) return false;
    auto state = cgroupfs::read_knob(*dir, knob::freezer_state);
    if (!state) return std::move(state.error());
    return *state == "FROZEN";
  }

  Result<CgroupStats> stats() const override {
    CgroupStats s;
    // A knob of an unmounted controller reads as 0; a failed read is an error.
    auto read = [&](const char* controller, const char* name, auto&& use) -> Result<void> {
      const std::string* dir = dir_of(controller);
      if (dir == nullptr) return ok();
      auto text = cgroupfs::read_knob(*dir, name);
      if (!text) return std::move(text.error()).context("cgroup stats");
      use(*text);
      return ok();
    };
    auto number = [](const std::string& t) { return std::strtoull(t.c_str(), nullptr, 10); };
    MINIRUN_TRY(read("memory", knob::memory_usage_in_bytes, [&](auto& t) { s.memory_bytes = number(t); }), "memory");
    MINIRUN_TRY(read("memory", knob::memory_limit_in_bytes, [&](auto& t) { s.memory_limit_bytes = cgroupfs::parse_limit(t); }), "memory");
    MINIRUN_TRY(read("memory", knob::memory_oom_control, [&](auto& t) { s.oom_kills = cgroupfs::keyed_value(t, "oom_kill"); }), "memory");
    MINIRUN_TRY(read("cpuacct", knob::cpuacct_usage, [&](auto& t) { s.cpu_usage_ns = number(t); }), "cpuacct");
    MINIRUN_TRY(read("pids", knob::pids_current, [&](auto& t) { s.pids_current = number(t); }), "pids");
    MINIRUN_TRY(read("pids", knob::pids_max, [&](auto& t) { s.pids_limit = cgroupfs::parse_limit(t); }), "pids");
    return s;
  }

  Result<uint64_t> oom_kills() const override {
    const std::string* dir = dir_of("memory");
    if (dir == nullptr) return uint64_t{0};
    auto text = cgroupfs::read_knob(*dir, knob::memory_oom_control);
    if (!text) return std::move(text.error()).context("cgroup stats");
    return cgroupfs::keyed_value(*text, "oom_kill");
  }

  Result<void> destroy() override {
    // Only what this object made or was asked to reopen: after a failed create() (say,
    // EEXIST) the directory belongs to someone else and must stay.
    if (state_ == State::planned || state_ == State::removed) return ok();
    Result<void> result;
    for (auto& h : hierarchies_) {
      auto removed = cgroupfs::remove_dir(layout_, h.place.dir);
      if (!removed) {
        if (result) result = std::move(removed.error()).context("remove cgroup");
        continue;
      }
      remove_parents(h);
    }
    if (result) state_ = State::removed;
    return result;
  }

  void release() override { released_ = true; }

  std::vector<std::string> paths() const override {
    std::vector<std::string> out;
    for (const auto& h : hierarchies_) out.push_back(h.place.dir);
    return out;
  }

  int clone_into_fd() const override { return -1; }

 private:
  struct Hierarchy {
    CgroupPlace place;
    std::vector<std::string> made;  ///< directories create() made here, top first
  };
  enum class State { planned, created, opened, removed };
  bool planned_ = false;  ///< plan() has chosen hierarchies_
  std::vector<KnobWrite> writes_;  ///< what plan() turned the resources into, written by create()

  const std::string* dir_of(const std::string& controller) const {
    for (const auto& h : hierarchies_)
      if (std::count(h.place.controllers.begin(), h.place.controllers.end(), controller)) return &h.place.dir;
    return nullptr;
  }

  /// mkdir from the mount point down to the container's directory. Missing parents are
  /// made; the container's own directory must be new. If another container's destroy()
  /// removes the shared parent between our mkdirs (ENOENT), start again.
  Result<void> make_dirs(Hierarchy& h) {
    bool cpuset = std::count(h.place.controllers.begin(), h.place.controllers.end(), "cpuset") > 0;
    auto dirs = cgroupfs::dirs_below(h.place.mount, h.place.dir);
    if (dirs.empty()) return Error("cgroup `" + h.place.dir + "`: not below `" + h.place.mount + "`");
    for (int attempt = 0;; ++attempt) {
      bool raced = false;
      for (size_t i = 0; i < dirs.size() && !raced; ++i) {
        auto made = cgroupfs::make_dir(layout_, dirs[i]);
        if (!made) {
          if (made.error().code() == ENOENT && attempt < 3) raced = true;
          else return std::move(made.error()).context("create cgroup");
        } else if (!*made) {
          if (i + 1 == dirs.size())
            return Error("cgroup `" + dirs[i] + "` already exists: another container with this id?");
        } else {
          if (!std::count(h.made.begin(), h.made.end(), dirs[i])) h.made.push_back(dirs[i]);
          if (cpuset) MINIRUN_TRY(copy_cpuset_from_parent(dirs[i]), "create cgroup `" + dirs[i] + "`");
        }
      }
      if (!raced) return ok();
    }
  }

  /// A new v1 cpuset directory has no CPUs and no memory nodes: give it its parent's.
  Result<void> copy_cpuset_from_parent(const std::string& dir) {
    std::string parent = dir.substr(0, dir.find_last_of('/'));
    for (const char* name : {knob::cpuset_cpus, knob::cpuset_mems}) {
      auto value = cgroupfs::read_knob(parent, name);
      if (!value) return std::move(value.error()).context("copy the parent's cpuset");
      if (!value->empty()) MINIRUN_TRY(cgroupfs::write_knob(dir, name, *value), "copy the parent's cpuset");
    }
    return ok();
  }

  /// Removes the parents create() made (if now unused) and the kit's shared parent.
  void remove_parents(Hierarchy& h) {
    for (auto it = h.made.rbegin(); it != h.made.rend(); ++it)
      if (*it != h.place.dir) cgroupfs::remove_dir_if_unused(layout_, *it);
    h.made.clear();
    cgroupfs::remove_dir_if_unused(layout_, h.place.shared_parent);
  }

  /// A failed create(): remove every directory it made, newest first, keep the error.
  Error undo(Error error) {
    for (auto& h : hierarchies_) {
      for (auto it = h.made.rbegin(); it != h.made.rend(); ++it) (void)cgroupfs::remove_dir(layout_, *it);
      h.made.clear();
    }
    return error;
  }

  Result<void> set_freezer_state(const std::string& state) {
    const std::string* dir = dir_of("freezer");
    if (dir == nullptr) return Error("freeze: the `freezer` cgroup controller is not mounted on this host");
    std::string last;
    auto reached = cgroupfs::wait_until(
        [&]() -> Result<bool> {
          MINIRUN_TRY(cgroupfs::write_knob(*dir, knob::freezer_state, state), "set " + state);
          auto now = cgroupfs::read_knob(*dir, knob::freezer_state);
          if (!now) return std::move(now.error()).context("set " + state);
          last = *now;
          return last == state;
        },
        kFreezeTimeout);
    if (!reached) return std::move(reached.error());
    if (!*reached) {
      // Do not leave a half-frozen container behind.
      if (state == "FROZEN") (void)cgroupfs::write_knob(*dir, knob::freezer_state, "THAWED");
      return Error("set " + state + ": `" + *dir + "/" + knob::freezer_state + "` still reads " + last + " after 2 s");
    }
    return ok();
  }

  CgroupLayout layout_;  ///< only its test hooks are used after construction
  std::vector<Hierarchy> hierarchies_;
  State state_;
  bool released_ = false;
};

}  // namespace

Result<std::vector<KnobWrite>> plan_v1_writes(const Resources& r) {
  std::vector<KnobWrite> plan;
  auto add = [&](const char* controller, const char* name, std::string value, std::string field) -> KnobWrite& {
    KnobWrite write;
    write.controller = controller;
    write.knob = name;
    write.value = std::move(value);
    write.field = std::move(field);
    plan.push_back(std::move(write));
    return plan.back();
  };
  // In OCI configs 0 means "not set" for the memory and cpu numbers, as in runc.
  int64_t limit = r.memory_limit.value_or(0);
  if (limit != 0) add("memory", knob::memory_limit_in_bytes, std::to_string(limit), "linux.resources.memory.limit");
  if (r.memory_swap && *r.memory_swap != 0) {
    int64_t swap = *r.memory_swap;
    if (swap != -1 && limit > 0 && swap < limit)
      return Error("linux.resources.memory.swap (" + std::to_string(swap) + ") is below linux.resources.memory.limit (" +
                   std::to_string(limit) + "): it limits memory plus swap, so it cannot be smaller");
    auto& w = add("memory", knob::memory_memsw_limit_in_bytes, std::to_string(swap), "linux.resources.memory.swap");
    // swap == limit means "no swap" and -1 "any": without swap accounting both hold anyway.
    if (swap == -1 || swap == limit) w.skip_if_missing = true;
    else w.missing_means = "swap accounting is off on this host (kernel parameter swapaccount=1), so memory plus swap cannot be limited";
  }
  if (r.memory_reservation && *r.memory_reservation != 0)
    add("memory", knob::memory_soft_limit_in_bytes, std::to_string(*r.memory_reservation), "linux.resources.memory.reservation");
  if (r.disable_oom_killer.value_or(false))
    add("memory", knob::memory_oom_control, "1", "linux.resources.memory.disableOOMKiller");

  if (r.cpu_shares && *r.cpu_shares != 0) add("cpu", knob::cpu_shares, std::to_string(*r.cpu_shares), "linux.resources.cpu.shares");
  if (r.cpu_period && *r.cpu_period != 0)
    add("cpu", knob::cpu_cfs_period_us, std::to_string(*r.cpu_period), "linux.resources.cpu.period");
  if (r.cpu_quota && *r.cpu_quota != 0) add("cpu", knob::cpu_cfs_quota_us, std::to_string(*r.cpu_quota), "linux.resources.cpu.quota");
  if (!r.cpuset_cpus.empty()) add("cpuset", knob::cpuset_cpus, r.cpuset_cpus, "linux.resources.cpu.cpus");
  if (!r.cpuset_mems.empty()) add("cpuset", knob::cpuset_mems, r.cpuset_mems, "linux.resources.cpu.mems");

  if (r.pids_limit)
    add("pids", knob::pids_max, *r.pids_limit > 0 ? std::to_string(*r.pids_limit) : "max", "linux.resources.pids.limit");

  if (!r.devices.empty()) {
    add("devices", knob::devices_deny, "a", "linux.resources.devices");
    for (size_t i = 0; i < r.devices.size(); ++i) {
      std::string field = "linux.resources.devices[" + std::to_string(i) + "]";
      auto text = device_rule_text(r.devices[i], field);
      if (!text) return std::move(text.error());
      add("devices", r.devices[i].allow ? knob::devices_allow : knob::devices_deny, *text, field);
    }
  }
  if (!r.unified.empty())
    return Error("linux.resources.unified: these are cgroup v2 knobs, and this host uses cgroup v1 for its controllers");
  return plan;
}

std::unique_ptr<Cgroup> new_cgroup_v1(const CgroupLayout& layout, std::vector<CgroupPlace> places, bool existing) {
  return std::make_unique<CgroupV1>(layout, std::move(places), existing);
}

}  // namespace minirun::runtime
