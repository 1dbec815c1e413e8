/**
 * @file container_store.cpp
 * @brief The containers directory and the name index; see container_store.hpp.
 */
#include "minirun/engine/container_store.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <random>
#include <string_view>
#include <utility>

#include "minirun/runtime/state.hpp"
#include "minirun/sys/file.hpp"
#include "minirun/sys/stamps.hpp"

namespace minirun::engine {

namespace {

/// Adjectives and names for generated container names, after Docker's habit; the
/// names are people whose work this kit stands on.
constexpr const char* kAdjectives[] = {"brave",  "calm",   "eager",  "fervent", "gentle", "happy",  "jolly",
                                       "keen",   "lucid",  "modest", "nifty",   "quirky", "serene", "sharp",
                                       "tender", "upbeat", "vibrant", "wizardly", "zealous", "bold"};
constexpr const char* kNames[] = {"ritchie", "thompson", "torvalds", "hopper",  "lovelace", "dijkstra", "lamport",
                                  "liskov",  "kerckhoffs", "saltzer", "corbato", "mckusick", "bellard", "kay",
                                  "hamilton", "allen",    "shannon", "turing",  "knuth",    "tanenbaum"};

std::mt19937_64& random_engine() {
  // Seeded with getrandom(2): std::random_device would first probe the CPU for RDRAND
  // with CPUID, which traps to the hypervisor on a VM (~20 us of every `create`).
  static std::mt19937_64 engine{[] {
    uint64_t seed = 0;
    if (::getrandom(&seed, sizeof seed, 0) != static_cast<ssize_t>(sizeof seed)) seed = std::random_device{}();
    return seed;
  }()};
  return engine;
}

}  // namespace

ContainerStore::ContainerStore(std::string data_root) : root_(std::move(data_root)) {}

Result<void> ContainerStore::prepare() const {
  for (const char* sub : {"/containers", "/names", "/runtime", "/volumes"})
    MINIRUN_TRY(sys::make_directories(root_ + sub, 0711), "data root `" + root_ + "`");
  return sys::ok();
}

std::string ContainerStore::new_id() { return sys::random_hex_id(); }

std::string ContainerStore::new_name() const {
  for (;;) {
    std::string name = std::string(kAdjectives[random_engine()() % std::size(kAdjectives)]) + "_" +
                       kNames[random_engine()() % std::size(kNames)];
    if (!sys::path_exists(root_ + "/names/" + name)) return name;
    name += "_" + std::to_string(random_engine()() % 100);
    if (!sys::path_exists(root_ + "/names/" + name)) return name;
  }
}

Result<void> ContainerStore::check_name(const std::string& name) {
  bool ok = name.size() >= 2 && isalnum(static_cast<unsigned char>(name[0]));
  for (char c : name) ok = ok && (isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-');
  if (!ok)
    return Error("--name: invalid container name \"" + name +
                 "\": use letters, digits, '_', '.' and '-', starting with a letter or digit (at least 2 characters)");
  return sys::ok();
}

Result<void> ContainerStore::create(const ContainerConfig& config, const ContainerState& initial) const {
  MINIRUN_TRY(check_name(config.name), "create");
  MINIRUN_TRY(prepare(), "create");
  const std::string name_file = root_ + "/names/" + config.name;
  {
    auto fd = sys::open_file(name_file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (!fd) {
      if (fd.error().code() == EEXIST) {
        std::string owner = sys::read_file(name_file).ok() ? *sys::read_file(name_file) : "?";
        return Error("--name: the container name \"" + config.name + "\" is already in use by container " +
                     owner.substr(0, 12) + "; remove it (`minirun rm " + config.name +
                     "`) or choose another name");
      }
      return std::move(fd.error()).context("create: claim the name");
    }
    if (::write(fd->get(), config.id.data(), config.id.size()) != static_cast<ssize_t>(config.id.size())) {
      Error error = Error::from_errno("write", name_file);
      ::unlink(name_file.c_str());
      return error;
    }
  }
  // Undo removes only what this call made: should the id already exist (ids are random,
  // but a bug or a copied data root could repeat one), that container stays untouched.
  bool made_dir = false;
  auto undo = [&] {
    if (made_dir) (void)sys::remove_tree(dir(config.id));
    ::unlink(name_file.c_str());
  };
  auto made = [&]() -> Result<void> {
    if (::mkdir(dir(config.id).c_str(), 0700) < 0) return Error::from_errno("mkdir", dir(config.id));
    made_dir = true;
    for (const char* sub : {"/bundle", "/rootfs", "/upper", "/work"}) {
      const std::string path = dir(config.id) + sub;  // in the directory just made
      if (::mkdir(path.c_str(), 0755) < 0) return Error::from_errno("mkdir", path).context("create");
    }
    MINIRUN_TRY(sys::write_file_atomic(dir(config.id) + "/config.json", config.to_json().dump(2), 0600),
                "create: write config.json");
    MINIRUN_TRY(save_state(config.id, initial), "create");
    return sys::ok();
  }();
  if (!made) {
    undo();
    return std::move(made.error()).context("create " + config.name);
  }
  return sys::ok();
}

std::vector<std::string> ContainerStore::list_ids() const {
  std::vector<std::string> ids;
  DIR* d = ::opendir((root_ + "/containers").c_str());
  if (d == nullptr) return ids;
  while (dirent* e = ::readdir(d)) {
    if (e->d_name[0] == '.') continue;
    ids.emplace_back(e->d_name);
  }
  ::closedir(d);
  return ids;
}

Result<std::string> ContainerStore::resolve(const std::string& id_or_name) const {
  if (id_or_name.empty()) return Error("no container given");
  std::string name = id_or_name[0] == '/' ? id_or_name.substr(1) : id_or_name;
  if (name.find('/') == std::string::npos && name != "." && name != "..") {
    if (auto id = sys::read_file(root_ + "/names/" + name); id && sys::path_exists(dir(*id))) return *id;
  }
  std::vector<std::string> matches;
  for (const auto& id : list_ids())
    if (id.compare(0, name.size(), name) == 0) matches.push_back(id);
  if (matches.size() == 1) return matches[0];
  if (matches.size() > 1)
    return Error("\"" + id_or_name + "\" matches " + std::to_string(matches.size()) +
                 " containers: give more of the id, or the name");
  return Error("no such container: " + id_or_name + " (see `minirun ps -a`)");
}

namespace {

/// Parses one of a container's JSON files; errors name the container and file.
Result<nlohmann::json> parse_json(const std::string& text, const std::string& id, const char* file) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded()) return Error("container " + id.substr(0, 12) + ": " + file + " is not valid JSON");
  return j;
}

/// Reads and parses one of a container's JSON files.
Result<nlohmann::json> read_json(const std::string& path, const std::string& id, const char* file) {
  auto text = sys::read_file(path);
  if (!text) return std::move(text.error()).context("container " + id.substr(0, 12));
  return parse_json(*text, id, file);
}

}  // namespace

Result<ContainerConfig> ContainerStore::load_config(const std::string& id) const {
  auto j = read_json(dir(id) + "/config.json", id, "config.json");
  if (!j) return std::move(j.error());
  return ContainerConfig::from_json(*j);
}

Result<ContainerState> ContainerStore::load_state(const std::string& id) const {
  auto text = sys::read_file(dir(id) + "/state.json");
  if (!text) return std::move(text.error()).context("container " + id.substr(0, 12));
  // An empty state.json is what a power cut can leave of a rewrite whose data the
  // filesystem had not written yet (sys::write_file_atomic). Every process of the
  // container died with the machine, so it reads as dead, with the reason, and `rm`
  // can remove it, rather than as an error that blocks `ps` and `rm`.
  if (text->find_first_not_of(" \t\n") == std::string::npos) {
    ContainerState lost;
    lost.status = ContainerStatus::dead;
    lost.exit_code = 255;
    lost.error = "state.json was empty: its last update was lost, most likely in a crash of the machine; "
                 "`minirun rm` removes the container";
    return lost;
  }
  auto j = parse_json(*text, id, "state.json");
  if (!j) return std::move(j.error());
  return ContainerState::from_json(*j);
}

Result<void> ContainerStore::save_state(const std::string& id, const ContainerState& state) const {
  ContainerState saved = state;
  saved.monitor_lost = false;  // computed by readers, never a fact on disk
  // Every caller holds the container's lock (update_state) or has just made the
  // container: one writer at a time, as the spare needs. .state.json.spare holds the
  // previous state, which nobody reads.
  return sys::write_file_swapping(dir(id) + "/state.json", dir(id) + "/.state.json.spare", saved.to_json().dump(),
                                  0600);
}

Result<ContainerLock> ContainerStore::lock(const std::string& id) const {
  // The container's directory is its own lock: flock(2) works on a directory's fd too,
  // and no lock file has to be made for every container.
  auto fd = sys::open_file(dir(id), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (!fd) return std::move(fd.error()).context("lock container " + id.substr(0, 12));
  while (::flock(fd->get(), LOCK_EX) < 0) {
    if (errno != EINTR) return Error::from_errno("flock", dir(id));
  }
  return ContainerLock(std::move(*fd));
}

Result<std::string> ContainerStore::retire(const ContainerConfig& config) const {
  // Out of sight in one step: another process listing or locking the container
  // meanwhile (a `ps`, the swarm agent's poll) must not find it half deleted. After the
  // rename, lock() finds no directory and list_ids() no id. trash/ is on the same filesystem
  // (the data root), so rename(2) moves the whole tree without copying anything.
  const std::string trash = trash_dir() + "/" + config.id;
  const std::string from = dir(config.id);
  if (::mkdir(trash_dir().c_str(), 0700) < 0 && errno != EEXIST)
    return Error::from_errno("mkdir", trash_dir()).context("remove container " + config.id.substr(0, 12));
  if (::rename(from.c_str(), trash.c_str()) != 0 && errno != ENOENT)
    return Error::from_errno("rename", from).context("remove container " + config.id.substr(0, 12));
  const std::string name_file = root_ + "/names/" + config.name;
  auto owner = sys::read_file(name_file);
  if (owner && *owner == config.id) ::unlink(name_file.c_str());
  return trash;
}

Result<void> ContainerStore::erase(const ContainerConfig& config) const {
  auto trash = retire(config);
  if (!trash) return std::move(trash.error());
  if (auto removed = sys::remove_tree(*trash); !removed.ok()) {
    // Put what is left back where `ps` and `rm` can see it, so it can be retried.
    if (::rename(trash->c_str(), dir(config.id).c_str()) == 0) {
      // The name too, unless another container took it meanwhile.
      if (auto fd = sys::open_file(root_ + "/names/" + config.name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644))
        (void)!::write(fd->get(), config.id.data(), config.id.size());
    }
    return std::move(removed.error()).context("remove container " + config.id.substr(0, 12));
  }
  return sys::ok();
}

namespace {

/// Whether `path` last changed (its ctime: made, renamed, or an entry added inside) at
/// least `min_age` ago; false when it cannot be looked at.
bool unchanged_for(const std::string& path, std::chrono::seconds min_age) {
  struct stat st{};
  if (::lstat(path.c_str(), &st) < 0) return false;
  return std::chrono::system_clock::now() - std::chrono::system_clock::from_time_t(st.st_ctim.tv_sec) >= min_age;
}

/// The entries of a directory, without "." and "..".
std::vector<std::string> entries(const std::string& dir) {
  std::vector<std::string> out;
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return out;
  while (dirent* e = ::readdir(d)) {
    const std::string_view name = e->d_name;
    if (name != "." && name != "..") out.emplace_back(name);
  }
  ::closedir(d);
  return out;
}

}  // namespace

void ContainerStore::free_names_of(const std::string& id) const {
  for (const auto& name : entries(root_ + "/names")) {
    const std::string path = root_ + "/names/" + name;
    if (auto held = sys::read_file(path); held && *held == id) ::unlink(path.c_str());
  }
}

bool ContainerStore::free_dangling_name(const std::string& name) const {
  if (name.empty() || name.find('/') != std::string::npos || name == "." || name == "..") return false;
  const std::string path = root_ + "/names/" + name;
  auto id = sys::read_file(path);
  if (!id || id->empty() || sys::path_exists(dir(*id))) return false;
  return ::unlink(path.c_str()) == 0;
}

std::vector<std::string> ContainerStore::sweep_unfinished(std::chrono::seconds min_age) const {
  std::vector<std::string> swept;
  for (const auto& id : list_ids()) {
    if (sys::path_exists(dir(id) + "/config.json") || !unchanged_for(dir(id), min_age)) continue;
    if (!sys::remove_tree(dir(id))) continue;
    free_names_of(id);
    swept.push_back(id);
  }
  for (const auto& name : entries(root_ + "/names")) {
    if (unchanged_for(root_ + "/names/" + name, min_age) && free_dangling_name(name)) swept.push_back(name);
  }
  return swept;
}

std::vector<std::string> ContainerStore::sweep_trash(std::chrono::seconds min_age) const {
  // trash/<id>, and the runtime's state directories a monitor renamed out of the way
  // (runtime/.removed-<id>, runtime/state.hpp). rename(2) sets the moved directory's
  // ctime: the moment it became trash.
  std::vector<std::string> swept;
  auto sweep = [&](const std::string& dir, std::string_view prefix) {
    for (const auto& name : entries(dir)) {
      if (name.rfind(prefix, 0) != 0) continue;
      const std::string path = dir + "/" + name;
      if (unchanged_for(path, min_age) && sys::remove_tree(path)) swept.push_back(name.substr(prefix.size()));
    }
  };
  sweep(trash_dir(), "");
  sweep(runtime_root(), runtime::kRetiredPrefix);
  return swept;
}

Result<void> ContainerStore::save_config(const ContainerConfig& config) const {
  return sys::write_file_atomic(dir(config.id) + "/config.json", config.to_json().dump(2), 0600);
}

}  // namespace minirun::engine
