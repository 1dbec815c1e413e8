/**
 * @file state.cpp
 * @brief Container state on disk (see state.hpp).
 */
#include "minirun/runtime/state.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "minirun/sys/file.hpp"
#include "minirun/sys/process.hpp"

namespace minirun::runtime {

const char* status_name(Status s) {
  switch (s) {
    case Status::created: return "created";
    case Status::running: return "running";
    case Status::paused: return "paused";
    case Status::stopped: return "stopped";
  }
  return "unknown";
}

nlohmann::json ContainerState::to_json() const {
  return {{"ociVersion", oci_version}, {"id", id},          {"bundle", bundle},
          {"rootfs", rootfs},          {"pid", pid},        {"startTime", start_time},
          {"created", created},        {"ownerUid", owner_uid},    {"cgroupPaths", cgroup_paths},
          {"annotations", annotations}, {"poststartHooks", has_poststart_hooks},
          {"poststopHooks", has_poststop_hooks}};
}

Result<ContainerState> ContainerState::from_json(const nlohmann::json& j) {
  try {
    ContainerState s;
    s.oci_version = j.at("ociVersion").get<std::string>();
    s.id = j.at("id").get<std::string>();
    s.bundle = j.at("bundle").get<std::string>();
    s.rootfs = j.value("rootfs", "");
    s.pid = j.at("pid").get<pid_t>();
    s.start_time = j.at("startTime").get<unsigned long long>();
    s.created = j.value("created", "");
    s.owner_uid = j.value("ownerUid", 0u);
    s.cgroup_paths = j.value("cgroupPaths", std::vector<std::string>{});
    s.annotations = j.value("annotations", std::map<std::string, std::string>{});
    s.has_poststart_hooks = j.value("poststartHooks", false);
    s.has_poststop_hooks = j.value("poststopHooks", false);
    return s;
  } catch (const nlohmann::json::exception& e) {
    return Error(std::string("malformed state file: ") + e.what());
  }
}

Result<void> StateStore::reserve(const std::string& id) const {
  MINIRUN_TRY(sys::make_directories(root_, 0711), "state root");
  if (::mkdir(dir(id).c_str(), 0711) < 0) {
    if (errno == EEXIST)
      return Error("container `" + id + "` already exists (state in " + dir(id) +
                       "; if its create was interrupted, `minirun-oci delete " + id + "` removes what it left)",
                   EEXIST);
    return Error::from_errno("mkdir", dir(id));
  }
  return sys::ok();
}

Result<void> StateStore::save(const ContainerState& state) const {
  return sys::write_file_atomic(dir(state.id) + "/state.json", state.to_json().dump(), 0600);
}

Result<void> StateStore::save_new(const ContainerState& state) const {
  return sys::write_file(dir(state.id) + "/state.json", state.to_json().dump(), O_WRONLY | O_CREAT | O_EXCL, 0600);
}

Result<ContainerState> StateStore::load(const std::string& id) const {
  if (auto v = validate_container_id(id); !v) return std::move(v.error());
  auto text = sys::read_file(dir(id) + "/state.json");
  if (!text) {
    if (text.error().code() == ENOENT) {
      return Error("container `" + id + "` does not exist (no state in " + root_ + "; see `minirun-oci list`)", ENOENT);
    }
    return std::move(text.error());
  }
  auto j = nlohmann::json::parse(*text, nullptr, false);
  if (j.is_discarded()) return Error(dir(id) + "/state.json: not valid JSON");
  auto s = ContainerState::from_json(j);
  if (!s) return std::move(s.error()).context(dir(id) + "/state.json");
  return s;
}

Result<void> StateStore::remove(const std::string& id) const { return sys::remove_tree(dir(id)); }

Result<std::string> StateStore::retire(const std::string& id) const {
  std::string to = root_ + "/" + kRetiredPrefix + id;
  // RENAME_NOREPLACE: a directory of that name (the same id run and removed a moment ago,
  // still being deleted) is never replaced, even when it happens to be empty already.
  for (int n = 1; ::renameat2(AT_FDCWD, dir(id).c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) < 0; ++n) {
    if (errno != EEXIST || n > 100) return Error::from_errno("rename", dir(id));
    to = root_ + "/" + kRetiredPrefix + id + "." + std::to_string(n);
  }
  return to;
}

pid_t remove_tree_detached(const std::string& path) {
  const pid_t child = ::fork();
  if (child < 0) {
    (void)sys::remove_tree(path);
    return -1;
  }
  if (child > 0) return child;  // not waited for: it is reparented once we exit
  ::close_range(0, ~0U, 0);
  ::setsid();  // a Ctrl-C meant for the command that spawned us does not cut this short
  (void)sys::remove_tree(path);
  ::_exit(0);
}

std::vector<std::string> StateStore::ids() const {
  std::vector<std::string> out;
  DIR* d = ::opendir(root_.c_str());
  if (!d) return out;
  while (auto* e = ::readdir(d)) {
    std::string name = e->d_name;
    // Names starting with a dot are the runtime's own (.cache), never containers.
    if (name[0] != '.' && validate_container_id(name)) out.push_back(name);
  }
  ::closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

Result<void> validate_container_id(const std::string& id) {
  if (id.empty()) return Error("container id must not be empty");
  if (id.size() > 1024) return Error("container id is longer than 1024 characters");
  if (id[0] == '.') return Error("invalid container id `" + id + "`: it must not start with a dot");
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
              c == '.' || c == '+';
    if (!ok) return Error("invalid container id `" + id + "`: use letters, digits, _ + - . only");
  }
  return sys::ok();
}

bool init_alive(const ContainerState& state) {
  if (state.pid <= 0) return false;
  auto stat = sys::read_file("/proc/" + std::to_string(state.pid) + "/stat");
  if (!stat) return false;
  auto close = stat->rfind(')');
  if (close == std::string::npos || close + 2 >= stat->size()) return false;
  char st = (*stat)[close + 2];
  if (st == 'Z' || st == 'X') return false;  // exited, not yet reaped by its parent
  auto start = sys::process_start_time(state.pid);
  return start && *start == state.start_time;
}

std::string user_name(uid_t uid) {
  // /etc/passwd is read directly rather than through getpwuid(3): minirun-oci is a
  // static binary, where NSS would have to dlopen() the C library's modules at run
  // time. The owner column is a convenience; a name from LDAP is not worth that.
  auto passwd = sys::read_file("/etc/passwd");
  if (passwd) {
    size_t start = 0;
    while (start < passwd->size()) {
      size_t end = passwd->find('\n', start);
      if (end == std::string::npos) end = passwd->size();
      std::string line = passwd->substr(start, end - start);
      // name:password:uid:...
      size_t first = line.find(':'), second = line.find(':', first + 1), third = line.find(':', second + 1);
      if (third != std::string::npos && line.substr(second + 1, third - second - 1) == std::to_string(uid)) {
        return line.substr(0, first);
      }
      start = end + 1;
    }
  }
  return std::to_string(uid);
}

}  // namespace minirun::runtime
