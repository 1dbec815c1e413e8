/**
 * @file ipam.cpp
 * @brief Leasing addresses with link(2); see ipam.hpp for the scheme and its reasons.
 */
#include "minirun/network/ipam.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <unordered_set>
#include <utility>

#include "minirun/sys/file.hpp"
#include "minirun/sys/unique_fd.hpp"

namespace minirun::network {

namespace {

using sys::Error;

/// Deletes a file when the scope ends: the claim file goes on every path out of
/// allocate(), success or error.
class RemoveOnExit {
 public:
  explicit RemoveOnExit(std::string path) : path_(std::move(path)) {}
  RemoveOnExit(const RemoveOnExit&) = delete;
  RemoveOnExit& operator=(const RemoveOnExit&) = delete;
  ~RemoveOnExit() { ::unlink(path_.c_str()); }

 private:
  std::string path_;
};

/// Writes `content` to a new `.tmp-XXXXXX` file in `dir` and flushes it to disk, so
/// that the name it is later linked or renamed to never shows a partial or empty file,
/// not even after a power cut. Returns the file's path; on failure nothing is left.
sys::Result<std::string> write_temp_file(const std::string& dir, const std::string& content) {
  std::string path = dir + "/" + kTempPrefix + "XXXXXX";
  sys::UniqueFd fd(::mkostemp(path.data(), O_CLOEXEC));
  if (!fd) return Error::from_errno("mkstemp", path);
  size_t done = 0;
  while (done < content.size()) {
    ssize_t n = ::write(fd.get(), content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      Error e = Error::from_errno("write", path);
      ::unlink(path.c_str());
      return e;
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd.get()) < 0) {
    Error e = Error::from_errno("fsync", path);
    ::unlink(path.c_str());
    return e;
  }
  return path;
}

/// The owner id stored in a lease file, or nullopt when there is no such lease.
sys::Result<std::optional<std::string>> read_owner(const std::string& path) {
  auto text = sys::read_file(path);
  if (!text) {
    if (text.error().code() == ENOENT) return std::optional<std::string>();
    return std::move(text.error());
  }
  std::string owner = std::move(*text);
  if (!owner.empty() && owner.back() == '\n') owner.pop_back();
  return std::optional<std::string>(std::move(owner));
}

/// An owner id is written as one line, so it must be one non-empty line.
sys::Result<void> check_owner(const std::string& owner) {
  if (owner.empty()) return Error("the owner (container id) of an address lease is empty");
  if (owner.find_first_of(std::string("\n\0", 2)) != std::string::npos) {
    return Error("the owner `" + owner + "` of an address lease contains a newline or NUL byte");
  }
  return sys::ok();
}

/// Lists `dir`; a missing directory lists as empty (no leases yet).
sys::Result<std::vector<std::string>> list_names(const std::string& dir) {
  auto fd = sys::open_file(dir, O_RDONLY | O_DIRECTORY);
  if (!fd) {
    if (fd.error().code() == ENOENT) return std::vector<std::string>();
    return std::move(fd.error());
  }
  return sys::list_directory(fd->get(), dir);
}

bool is_temp_name(const std::string& name) { return name.rfind(kTempPrefix, 0) == 0; }

/// Deletes the `.tmp-` files in `dir` older than kStaleTempAge: claims whose process
/// died between writing the file and linking it. Younger ones may belong to a claim in
/// progress in another process and are left alone.
sys::Result<void> remove_stale_temp_files(const std::string& dir, const std::vector<std::string>& names) {
  const time_t now = std::time(nullptr);
  for (const std::string& name : names) {
    if (!is_temp_name(name)) continue;
    std::string path = dir + "/" + name;
    struct stat st{};
    if (::lstat(path.c_str(), &st) < 0) {
      if (errno == ENOENT) continue;  // another process cleaned it up first
      return Error::from_errno("lstat", path);
    }
    if (now - st.st_mtime < kStaleTempAge.count()) continue;
    if (::unlink(path.c_str()) < 0 && errno != ENOENT) return Error::from_errno("unlink stale claim file", path);
  }
  return sys::ok();
}

}  // namespace

Ipam::Ipam(std::string leases_dir, Subnet subnet, Ipv4 gateway)
    : leases_dir_(std::move(leases_dir)), subnet_(subnet), gateway_(gateway) {}

std::string Ipam::lease_path(Ipv4 address) const { return leases_dir_ + "/" + format_ipv4(address); }

sys::Result<void> Ipam::check_gateway() const {
  if (!subnet_.contains(gateway_) || gateway_ == subnet_.network || gateway_ == subnet_.broadcast()) {
    return Error("gateway " + format_ipv4(gateway_) + " is not a host address of subnet " + subnet_.to_string() +
                 "; pick a --gateway inside the subnet");
  }
  return sys::ok();
}

sys::Result<void> Ipam::check_requested(Ipv4 address) const {
  const std::string shown = "address " + format_ipv4(address);
  const std::string where = subnet_.to_string();
  if (!subnet_.contains(address)) {
    return Error(shown + " is not in subnet " + where + "; request an --ip inside the subnet");
  }
  if (address == subnet_.network) return Error(shown + " is the network address of " + where + " and cannot be leased");
  if (address == subnet_.broadcast()) {
    return Error(shown + " is the broadcast address of " + where + " and cannot be leased");
  }
  if (address == gateway_) return Error(shown + " is the gateway of " + where + " and cannot be leased");
  return sys::ok();
}

sys::Result<void> Ipam::prepare_directory() {
  // Parents are ordinary state directories; the leases directory itself is private.
  size_t slash = leases_dir_.find_last_of('/');
  if (slash != std::string::npos && slash > 0) {
    auto parents = sys::make_directories(leases_dir_.substr(0, slash));
    if (!parents) return std::move(parents.error());
  }
  if (::mkdir(leases_dir_.c_str(), 0700) < 0 && errno != EEXIST) return Error::from_errno("mkdir", leases_dir_);
  auto names = list_names(leases_dir_);
  if (!names) return std::move(names.error());
  return remove_stale_temp_files(leases_dir_, *names);
}

sys::Result<Ipv4> Ipam::allocate(const std::string& owner, std::optional<Ipv4> requested) {
  const std::string what = "lease an address in " + subnet_.to_string() + " for `" + owner + "`";
  MINIRUN_TRY(check_owner(owner), what);
  MINIRUN_TRY(check_gateway(), what);
  if (requested) MINIRUN_TRY(check_requested(*requested), what);
  MINIRUN_TRY(prepare_directory(), what);

  auto claim_file = write_temp_file(leases_dir_, owner + "\n");
  if (!claim_file) return std::move(claim_file.error()).context(what);
  RemoveOnExit remove_claim_file(*claim_file);

  auto leased = requested ? claim_requested(*claim_file, *requested) : claim_next_free(*claim_file);
  if (!leased) return std::move(leased.error()).context(what);
  return leased;
}

sys::Result<Ipv4> Ipam::claim_requested(const std::string& claim_file, Ipv4 address) {
  std::string path = lease_path(address);
  if (::link(claim_file.c_str(), path.c_str()) == 0) return address;
  if (errno != EEXIST) return Error::from_errno("link", claim_file + "` to `" + path);
  auto holder = read_owner(path);
  std::string by = holder.ok() && *holder ? " by `" + **holder + "`" : "";
  return Error("address " + format_ipv4(address) + " is already in use" + by + "; request another --ip or omit it");
}

sys::Result<Ipv4> Ipam::claim_next_free(const std::string& claim_file) {
  // One listing up front skips most taken addresses without a syscall each; link(2)
  // still has the last word, since another process may lease between the two.
  auto names = list_names(leases_dir_);
  if (!names) return std::move(names.error());
  std::unordered_set<std::string> taken(names->begin(), names->end());

  const Ipv4 lowest = subnet_.first_host();
  const uint64_t hosts = subnet_.size() - 2;  // all but network and broadcast
  std::optional<Ipv4> last = read_last_lease();
  const uint64_t start = last ? (*last - lowest + 1) % hosts : 0;
  for (uint64_t step = 0; step < hosts; ++step) {
    const Ipv4 candidate = lowest + static_cast<Ipv4>((start + step) % hosts);
    if (candidate == gateway_) continue;
    std::string name = format_ipv4(candidate);
    if (taken.count(name) != 0) continue;
    std::string path = leases_dir_ + "/" + name;
    if (::link(claim_file.c_str(), path.c_str()) == 0) {
      write_last_lease(candidate);
      return candidate;
    }
    if (errno != EEXIST) return Error::from_errno("link", claim_file + "` to `" + path);
  }
  return Error("no free address left in " + subnet_.to_string());
}

std::optional<Ipv4> Ipam::read_last_lease() const {
  auto text = sys::read_file(leases_dir_ + "/" + kLastLeaseFile);
  if (!text) return std::nullopt;
  std::string_view trimmed = *text;
  while (!trimmed.empty() && (trimmed.back() == '\n' || trimmed.back() == ' ')) trimmed.remove_suffix(1);
  auto address = parse_ipv4(trimmed);
  // Garbage or an address of another subnet (the file was copied, the network was
  // re-created smaller): start from the bottom instead.
  if (!address || !subnet_.contains(*address) || *address == subnet_.network || *address == subnet_.broadcast()) {
    return std::nullopt;
  }
  return *address;
}

void Ipam::write_last_lease(Ipv4 address) {
  // The lease itself is already complete; a hint that cannot be written only means the
  // next allocation starts its search lower, so a failure here is not reported.
  // (sys::write_file_atomic uses one fixed temporary name, which two processes leasing
  // at the same time would share; a mkstemp name cannot collide.)
  auto temp = write_temp_file(leases_dir_, format_ipv4(address) + "\n");
  if (!temp) return;
  std::string hint = leases_dir_ + "/" + kLastLeaseFile;
  if (::rename(temp->c_str(), hint.c_str()) < 0) ::unlink(temp->c_str());
}

sys::Result<void> Ipam::release(Ipv4 address, const std::string& owner) {
  const std::string what = "release " + format_ipv4(address) + " held by `" + owner + "`";
  MINIRUN_TRY(check_owner(owner), what);
  std::string path = lease_path(address);
  auto holder = read_owner(path);
  if (!holder) return std::move(holder.error()).context(what);
  if (!*holder) return sys::ok();  // already released: releasing twice is harmless
  if (**holder != owner) {
    return Error(what + ": the lease is held by `" + **holder + "`, not by `" + owner + "`; nothing was released");
  }
  if (::unlink(path.c_str()) < 0 && errno != ENOENT) return Error::from_errno("unlink", path).context(what);
  return sys::ok();
}

sys::Result<void> Ipam::release_owner(const std::string& owner) {
  const std::string what = "release the addresses of `" + owner + "` in " + subnet_.to_string();
  MINIRUN_TRY(check_owner(owner), what);
  auto all = leases();
  if (!all) return std::move(all.error()).context(what);
  for (const Lease& lease : *all) {
    if (lease.owner == owner) MINIRUN_TRY(release(lease.address, owner), what);
  }
  return sys::ok();
}

sys::Result<std::vector<Lease>> Ipam::leases() const {
  auto names = list_names(leases_dir_);
  if (!names) return std::move(names.error()).context("list leases");
  std::vector<Lease> found;
  for (const std::string& name : *names) {
    // `.last`, `.tmp-*` and anything else that is not an address of this subnet are
    // bookkeeping or strangers, never leases.
    if (name.empty() || name.front() == '.') continue;
    auto address = parse_ipv4(name);
    if (!address || !subnet_.contains(*address)) continue;
    auto owner = read_owner(leases_dir_ + "/" + name);
    if (!owner) return std::move(owner.error()).context("list leases");
    if (!*owner) continue;  // released while we were listing
    found.push_back({*address, std::move(**owner)});
  }
  // list_directory sorts by name, and "172.18.0.10" sorts before "172.18.0.9".
  std::sort(found.begin(), found.end(), [](const Lease& a, const Lease& b) { return a.address < b.address; });
  return found;
}

}  // namespace minirun::network
