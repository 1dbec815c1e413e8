/**
 * @file cgroup_v2.cpp
 * @brief cgroup v2: one unified tree, controllers handed down through
 * `cgroup.subtree_control`, and its knobs.
 *
 * On a pure v2 host (most classroom distros) there is a single tree at /sys/fs/cgroup
 * and a container is one directory in it. A controller works in a directory only if
 * the parent lists it in `cgroup.subtree_control`, and a parent may only list what its
 * own `cgroup.controllers` offers. So before making the container's directory the
 * kit enables memory, pids, cpu and cpuset (those offered) in the parent, and in
 * every directory it makes on the way down (the shared `minirun` parent).
 *
 * The "no internal processes" rule (cgroup-v2.rst, "No Internal Process Constraint"):
 * a non-root cgroup that has processes of its own cannot enable controllers for its
 * children (the write fails with EBUSY). If the kit runs in, say, a login session
 * scope, its own cgroup has processes and the default placement
 * `<own cgroup>/minirun/<id>` cannot get controllers. create() then says so; the way
 * out is to start the kit in a cgroup of its own (`systemd-run --scope -p Delegate=yes`)
 * or to give an absolute `linux.cgroupsPath`. The kit never moves itself.
 *
 * The knobs, with runc's conversions from the OCI spec's v1-flavoured numbers:
 *
 *  | spec field (linux.resources.)  | knob            | value                                   |
 *  |--------------------------------|-----------------|-----------------------------------------|
 *  | memory.limit                   | memory.max      | bytes, "max" for -1                     |
 *  | memory.swap                    | memory.swap.max | swap - limit (v1's swap counts memory too) |
 *  | memory.reservation             | memory.low      |                                         |
 *  | cpu.shares                     | cpu.weight      | 1 + ((shares - 2) * 9999) / 262142: 1024 -> 39 |
 *  | cpu.quota, cpu.period          | cpu.max         | "quota period", "max period" for -1     |
 *  | cpu.cpus, cpu.mems             | cpuset.cpus, cpuset.mems |                                |
 *  | pids.limit                     | pids.max        | "max" for -1 or 0                       |
 *  | unified{key: value}            | key             | written as given, last                  |
 *
 * `memory.disableOOMKiller` has no v2 counterpart and is ignored (runc does the same).
 *
 * Not done yet: device rules. v2 has no devices.allow file; device access is decided
 * by an eBPF program (BPF_PROG_TYPE_CGROUP_DEVICE) attached to the cgroup, which the
 * kit does not build yet (a later issue). On v2 `linux.resources.devices` is
 * therefore accepted and NOT enforced: a container with CAP_MKNOD could create and
 * open any device node. Keep that in mind on a v2 host; the v1 path enforces them.
 *
 * clone_into_fd() is an O_PATH fd of the container's directory, opened by create(),
 * for clone3(2)'s CLONE_INTO_CGROUP: the child starts life inside its cgroup.
 *
 * Freezing writes `cgroup.freeze` and waits for `cgroup.events` to say `frozen 1`.
 *
 * Man pages: cgroups(7), clone(2) (CLONE_INTO_CGROUP). Kernel docs:
 * Documentation/admin-guide/cgroup-v2.rst. Lab: labs/04-cgroups.
 */
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <set>
#include <sstream>

#include "minirun/runtime/cgroup.hpp"
#include "minirun/sys/file.hpp"
#include "minirun/sys/unique_fd.hpp"

namespace minirun::runtime {

using sys::ok;

namespace {

/// Knob files, named as the kernel names them.
namespace knob {
constexpr const char* cgroup_controllers = "cgroup.controllers";
constexpr const char* cgroup_subtree_control = "cgroup.subtree_control";
constexpr const char* cgroup_procs = "cgroup.procs";
constexpr const char* cgroup_freeze = "cgroup.freeze";
constexpr const char* cgroup_events = "cgroup.events";
constexpr const char* memory_max = "memory.max";
constexpr const char* memory_swap_max = "memory.swap.max";
constexpr const char* memory_low = "memory.low";
constexpr const char* memory_current = "memory.current";
constexpr const char* memory_events = "memory.events";
constexpr const char* cpu_weight = "cpu.weight";
constexpr const char* cpu_max = "cpu.max";
constexpr const char* cpu_stat = "cpu.stat";
constexpr const char* cpuset_cpus = "cpuset.cpus";
constexpr const char* cpuset_mems = "cpuset.mems";
constexpr const char* pids_max = "pids.max";
constexpr const char* pids_current = "pids.current";
}  // namespace knob

/// Controllers enabled for every container (when offered), so limits and stats work.
const std::set<std::string> kWanted = {"cpu", "cpuset", "memory", "pids"};

constexpr std::chrono::milliseconds kFreezeTimeout{2000};

std::vector<std::string> words(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string w; in >> w;) out.push_back(w[0] == '+' ? w.substr(1) : w);
  return out;
}

std::string limit_text(int64_t value) { return value < 0 ? "max" : std::to_string(value); }

class CgroupV2 final : public Cgroup {
 public:
  CgroupV2(const CgroupLayout& layout, CgroupPlace place, bool existing)
      : layout_(layout), place_(std::move(place)), state_(existing ? State::opened : State::planned) {
    if (existing) leaf_fd_.reset(::open(place_.dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  }
  ~CgroupV2() override {
    if (state_ == State::created && !released_) (void)destroy();
  }
  CgroupV2(const CgroupV2&) = delete;
  CgroupV2& operator=(const CgroupV2&) = delete;

  Result<void> plan(const Resources&) override {
    // One directory whatever the limits: nothing to choose. create() checks them.
    if (state_ != State::planned) return Error("cgroup: plan() on a cgroup that was already created or opened");
    return ok();
  }

  Result<void> create(const Resources& resources) override {
    if (state_ != State::planned) return Error("cgroup: create() on a cgroup that was already created or opened");
    auto plan = plan_v2_writes(resources);
    if (!plan) return std::move(plan.error());
    auto dirs = cgroupfs::dirs_below(place_.mount, place_.dir);
    if (dirs.empty()) return Error("cgroup `" + place_.dir + "`: not below `" + place_.mount + "`");

    // Every limit needs its controller offered where the kit starts making directories.
    std::string top = place_.mount;
    for (size_t i = 0; i + 1 < dirs.size() && sys::path_exists(dirs[i]); ++i) top = dirs[i];
    auto offered = cgroupfs::read_knob(top, knob::cgroup_controllers);
    if (!offered) return std::move(offered.error()).context("create cgroup");
    std::vector<std::string> available = words(*offered);
    std::set<std::string> wanted = kWanted;
    for (const auto& write : *plan) {
      if (write.controller.empty()) continue;
      if (std::find(available.begin(), available.end(), write.controller) == available.end())
        return Error(write.field + ": the `" + write.controller + "` controller is not available in `" + top +
                     "` (its cgroup.controllers: \"" + *offered + "\")");
      wanted.insert(write.controller);
    }

    auto made = make_dirs(dirs, wanted);
    if (!made) return undo(std::move(made.error()));
    for (const auto& write : *plan) {
      auto written = cgroupfs::apply_write(place_.dir, write);
      if (!written) return undo(std::move(written.error()));
    }
    int fd = ::open(place_.dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return undo(Error::from_errno("open", place_.dir).context("create cgroup"));
    leaf_fd_.reset(fd);
    state_ = State::created;
    return ok();
  }

  Result<void> add_process(pid_t pid) override {
    MINIRUN_TRY(cgroupfs::write_knob(place_.dir, knob::cgroup_procs, std::to_string(pid)),
                "move pid " + std::to_string(pid) + " into its cgroup");
    return ok();
  }

  Result<std::vector<pid_t>> processes() const override {
    auto pids = cgroupfs::read_procs(place_.dir);
    if (!pids) return std::move(pids.error()).context("list the processes of the cgroup");
    return pids;
  }

  Result<void> freeze() override { return set_frozen(true); }
  Result<void> thaw() override { return set_frozen(false); }

  Result<bool> frozen() const override {
    auto events = cgroupfs::read_knob(place_.dir, knob::cgroup_events);
    if (!events) return std::move(events.error());
    return cgroupfs::keyed_value(*events, "frozen") == 1;
  }

  Result<CgroupStats> stats() const override {
    CgroupStats s;
    // A knob of a controller that is not enabled does not exist and reads as 0.
    auto read = [&](const char* name, auto&& use) -> Result<void> {
      if (!sys::path_exists(place_.dir + "/" + name)) return ok();
      auto text = cgroupfs::read_knob(place_.dir, name);
      if (!text) return std::move(text.error()).context("cgroup stats");
      use(*text);
      return ok();
    };
    auto number = [](const std::string& t) { return std::strtoull(t.c_str(), nullptr, 10); };
    MINIRUN_TRY(read(knob::memory_current, [&](auto& t) { s.memory_bytes = number(t); }), "memory");
    MINIRUN_TRY(read(knob::memory_max, [&](auto& t) { s.memory_limit_bytes = cgroupfs::parse_limit(t); }), "memory");
    MINIRUN_TRY(read(knob::memory_events, [&](auto& t) { s.oom_kills = cgroupfs::keyed_value(t, "oom_kill"); }), "memory");
    MINIRUN_TRY(read(knob::cpu_stat, [&](auto& t) { s.cpu_usage_ns = cgroupfs::keyed_value(t, "usage_usec") * 1000; }), "cpu");
    MINIRUN_TRY(read(knob::pids_current, [&](auto& t) { s.pids_current = number(t); }), "pids");
    MINIRUN_TRY(read(knob::pids_max, [&](auto& t) { s.pids_limit = cgroupfs::parse_limit(t); }), "pids");
    return s;
  }

  Result<uint64_t> oom_kills() const override {
    if (!sys::path_exists(place_.dir + "/" + knob::memory_events)) return uint64_t{0};
    auto text = cgroupfs::read_knob(place_.dir, knob::memory_events);
    if (!text) return std::move(text.error()).context("cgroup stats");
    return cgroupfs::keyed_value(*text, "oom_kill");
  }

  Result<void> destroy() override {
    if (state_ == State::planned || state_ == State::removed) return ok();
    leaf_fd_.reset();
    MINIRUN_TRY(cgroupfs::remove_dir(layout_, place_.dir), "remove cgroup");
    for (auto it = made_.rbegin(); it != made_.rend(); ++it)
      if (*it != place_.dir) cgroupfs::remove_dir_if_unused(layout_, *it);
    made_.clear();
    cgroupfs::remove_dir_if_unused(layout_, place_.shared_parent);
    state_ = State::removed;
    return ok();
  }

  void release() override { released_ = true; }
  std::vector<std::string> paths() const override { return {place_.dir}; }
  int clone_into_fd() const override { return leaf_fd_.get(); }
  // CLONE_INTO_CGROUP starts the process inside: nothing for it to join.
  Result<std::vector<SelfJoinFile>> open_self_join_files() const override { return std::vector<SelfJoinFile>{}; }

 private:
  enum class State { planned, created, opened, removed };

  /// Makes the directories down to the container's, enabling `wanted` controllers in
  /// each parent first. The container's own directory must be new; ENOENT means another
  /// container's destroy() removed the shared parent in between: start again.
  Result<void> make_dirs(const std::vector<std::string>& dirs, const std::set<std::string>& wanted) {
    for (int attempt = 0;; ++attempt) {
      bool raced = false;
      for (size_t i = 0; i < dirs.size() && !raced; ++i) {
        bool leaf = i + 1 == dirs.size();
        if (!leaf && sys::path_exists(dirs[i])) continue;
        MINIRUN_TRY(enable_controllers(i == 0 ? place_.mount : dirs[i - 1], wanted), "create cgroup");
        auto made = cgroupfs::make_dir(layout_, dirs[i]);
        if (!made) {
          if (made.error().code() == ENOENT && attempt < 3) raced = true;
          else return std::move(made.error()).context("create cgroup");
        } else if (!*made && leaf) {
          return Error("cgroup `" + dirs[i] + "` already exists: another container with this id?");
        } else if (*made && !std::count(made_.begin(), made_.end(), dirs[i])) {
          made_.push_back(dirs[i]);
        }
      }
      if (!raced) return ok();
    }
  }

  /// Writes "+memory +pids ..." to `dir`/cgroup.subtree_control for the wanted
  /// controllers that `dir` offers and has not enabled yet (nothing if none).
  Result<void> enable_controllers(const std::string& dir, const std::set<std::string>& wanted) {
    auto offered = cgroupfs::read_knob(dir, knob::cgroup_controllers);
    if (!offered) return std::move(offered.error());
    auto enabled_text = cgroupfs::read_knob(dir, knob::cgroup_subtree_control);
    if (!enabled_text) return std::move(enabled_text.error());
    std::vector<std::string> enabled = words(*enabled_text);
    std::string add;
    for (const auto& c : words(*offered))
      if (wanted.count(c) && std::find(enabled.begin(), enabled.end(), c) == enabled.end())
        add += (add.empty() ? "+" : " +") + c;
    if (add.empty()) return ok();
    auto written = cgroupfs::write_knob(dir, knob::cgroup_subtree_control, add);
    if (written) return ok();
    std::string path = dir + "/" + knob::cgroup_subtree_control;
    if (written.error().code() == EBUSY)
      return Error("write `" + path + "` (\"" + add + "\") failed with EBUSY: cgroup v2's \"no internal processes\" "
                   "rule: a cgroup that has processes of its own cannot pass controllers to child cgroups. Start "
                   "minirun in a cgroup of its own (e.g. systemd-run --scope -p Delegate=yes ...) or set an "
                   "absolute linux.cgroupsPath");
    return std::move(written.error()).context("enable controllers \"" + add + "\"");
  }

  Error undo(Error error) {
    leaf_fd_.reset();
    for (auto it = made_.rbegin(); it != made_.rend(); ++it) (void)cgroupfs::remove_dir(layout_, *it);
    made_.clear();
    return error;
  }

  Result<void> set_frozen(bool frozen_wanted) {
    const char* value = frozen_wanted ? "1" : "0";
    MINIRUN_TRY(cgroupfs::write_knob(place_.dir, knob::cgroup_freeze, value), frozen_wanted ? "freeze" : "thaw");
    auto reached = cgroupfs::wait_until(
        [&]() -> Result<bool> {
          auto now = frozen();
          if (!now) return std::move(now.error());
          return *now == frozen_wanted;
        },
        kFreezeTimeout);
    if (!reached) return std::move(reached.error()).context(frozen_wanted ? "freeze" : "thaw");
    if (!*reached) {
      if (frozen_wanted) (void)cgroupfs::write_knob(place_.dir, knob::cgroup_freeze, "0");
      return Error(std::string(frozen_wanted ? "freeze" : "thaw") + ": `" + place_.dir + "/" + knob::cgroup_events +
                   "` does not say `frozen " + value + "` after 2 s");
    }
    return ok();
  }

  CgroupLayout layout_;  ///< only its test hooks are used after construction
  CgroupPlace place_;
  std::vector<std::string> made_;  ///< directories create() made, top first
  sys::UniqueFd leaf_fd_;          ///< O_PATH fd of place_.dir, for CLONE_INTO_CGROUP
  State state_;
  bool released_ = false;
};

}  // namespace

Result<std::vector<KnobWrite>> plan_v2_writes(const Resources& r) {
  std::vector<KnobWrite> plan;
  auto add = [&](const char* controller, std::string name, std::string value, std::string field) -> KnobWrite& {
    KnobWrite write;
    write.controller = controller;
    write.knob = std::move(name);
    write.value = std::move(value);
    write.field = std::move(field);
    plan.push_back(std::move(write));
    return plan.back();
  };
  int64_t limit = r.memory_limit.value_or(0);  // 0: not set, as in runc
  if (limit != 0) add("memory", knob::memory_max, limit_text(limit), "linux.resources.memory.limit");
  if (r.memory_swap && *r.memory_swap != 0) {
    // The spec's swap is v1's memory+swap; v2 limits swap alone (runc's conversion).
    int64_t swap = *r.memory_swap;
    std::string field = "linux.resources.memory.swap";
    if (swap == -1) {
      add("memory", knob::memory_swap_max, "max", field).skip_if_missing = true;
    } else {
      if (limit <= 0)
        return Error(field + ": cgroup v2 limits swap apart from memory, so a swap limit needs "
                     "linux.resources.memory.limit as well");
      if (swap < limit)
        return Error(field + " (" + std::to_string(swap) + ") is below linux.resources.memory.limit (" +
                     std::to_string(limit) + "): it limits memory plus swap, so it cannot be smaller");
      auto& w = add("memory", knob::memory_swap_max, std::to_string(swap - limit), field);
      if (swap == limit) w.skip_if_missing = true;
      else w.missing_means = "swap accounting is off on this host (no memory.swap.max), so swap cannot be limited";
    }
  }
  if (r.memory_reservation && *r.memory_reservation != 0)
    add("memory", knob::memory_low, limit_text(*r.memory_reservation), "linux.resources.memory.reservation");

  if (r.cpu_shares && *r.cpu_shares != 0) {
    // cpu.shares spans [2, 262144], cpu.weight [1, 10000]; the same linear map as runc.
    uint64_t shares = std::clamp<uint64_t>(*r.cpu_shares, 2, 262144);
    add("cpu", knob::cpu_weight, std::to_string(1 + ((shares - 2) * 9999) / 262142), "linux.resources.cpu.shares");
  }
  int64_t quota = r.cpu_quota.value_or(0);
  uint64_t period = r.cpu_period.value_or(0);
  if (quota != 0 || period != 0) {
    std::string value = quota > 0 ? std::to_string(quota) : "max";
    if (period != 0) value += " " + std::to_string(period);
    add("cpu", knob::cpu_max, value, quota != 0 ? "linux.resources.cpu.quota" : "linux.resources.cpu.period");
  }
  if (!r.cpuset_cpus.empty()) add("cpuset", knob::cpuset_cpus, r.cpuset_cpus, "linux.resources.cpu.cpus");
  if (!r.cpuset_mems.empty()) add("cpuset", knob::cpuset_mems, r.cpuset_mems, "linux.resources.cpu.mems");
  if (r.pids_limit)
    add("pids", knob::pids_max, *r.pids_limit > 0 ? std::to_string(*r.pids_limit) : "max", "linux.resources.pids.limit");

  // Devices: not enforced on v2 yet (needs an eBPF program; see the file comment).

  for (const auto& [key, value] : r.unified) {
    std::string field = "linux.resources.unified[\"" + key + "\"]";
    // The key is a file name in the container's directory, never a path out of it.
    size_t dot = key.find('.');
    if (key.find('/') != std::string::npos || key == "." || key == ".." || dot == std::string::npos || dot == 0)
      return Error(field + ": not a cgroup v2 knob name (expected controller.knob, no `/`)");
    std::string controller = key.substr(0, dot);
    add(controller == "cgroup" ? "" : controller.c_str(), key, value, field);
  }
  return plan;
}

std::unique_ptr<Cgroup> new_cgroup_v2(const CgroupLayout& layout, CgroupPlace place, bool existing) {
  return std::make_unique<CgroupV2>(layout, std::move(place), existing);
}

}  // namespace minirun::runtime
