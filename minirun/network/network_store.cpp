/**
 * @file network_store.cpp
 * @brief Networks on disk, their bridges and their firewall elements; see network_store.hpp.
 */
#include "minirun/network/network_store.hpp"

#include <fcntl.h>
#include <sys/file.h>

#include <algorithm>
#include <cctype>

#include "minirun/network/bridge.hpp"
#include "minirun/network/ipam.hpp"
#include "minirun/network/subnet.hpp"
#include "minirun/sys/file.hpp"
#include "minirun/sys/stamps.hpp"

namespace minirun::network {

namespace {

/// Docker's rule for object names: [a-zA-Z0-9][a-zA-Z0-9_.-]*.
Result<void> check_network_name(const std::string& name) {
  auto word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; };
  bool ok = !name.empty() && word(name[0]);
  for (char c : name) ok = ok && (word(c) || c == '_' || c == '.' || c == '-');
  if (!ok) return Error("invalid network name \"" + name + "\": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed");
  if (name == "host" || name == "none")
    return Error("network name \"" + name + "\" is reserved: `--network " + name + "` is built in");
  return sys::ok();
}

/// The subnet a network uses (validated when it was created).
Subnet subnet_of(const NetworkConfig& n) {
  auto s = parse_subnet(n.subnet);
  return s ? *s : Subnet{};
}

Result<NetworkConfig> load_network(const std::string& dir) {
  auto text = sys::read_file(dir + "/network.json");
  if (!text) return std::move(text.error());
  auto j = nlohmann::json::parse(*text, nullptr, false);
  if (j.is_discarded()) return Error(dir + "/network.json is not valid JSON");
  return NetworkConfig::from_json(j);
}

}  // namespace

NetworkStore::NetworkStore(std::string data_root, NetPlugin plugin)
    : data_root_(std::move(data_root)), root_(data_root_ + "/networks"), plugin_(std::move(plugin)) {}

std::string NetworkStore::host_interface(const std::string& container_id, const std::string& network_id) {
  return "mrv" + container_id.substr(0, 8) + network_id.substr(0, 4);
}

Result<sys::UniqueFd> NetworkStore::lock() const {
  MINIRUN_TRY(sys::make_directories(root_, 0711), "networks");
  sys::UniqueFd fd(::open((root_ + "/.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (!fd) return Error::from_errno("open", root_ + "/.lock");
  while (::flock(fd.get(), LOCK_EX) < 0) {
    if (errno != EINTR) return Error::from_errno("flock", root_ + "/.lock");
  }
  return fd;
}

std::vector<NetworkConfig> NetworkStore::list() const {
  std::vector<NetworkConfig> networks;
  sys::UniqueFd dir(::open(root_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dir) return networks;
  auto names = sys::list_directory(dir.get(), root_);
  if (!names) return networks;
  for (const auto& name : *names) {
    if (name.empty() || name[0] == '.') continue;
    if (auto n = load_network(this->dir(name)); n) networks.push_back(std::move(*n));
  }
  std::sort(networks.begin(), networks.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return networks;
}

Result<NetworkConfig> NetworkStore::find(const std::string& name_or_id) const { return find_locked(name_or_id); }

Result<NetworkConfig> NetworkStore::find_locked(const std::string& name_or_id) const {
  // A full id (what containers record) is one file to read, not a scan of every network.
  if (name_or_id.size() == 64 && name_or_id.find('/') == std::string::npos) {
    if (auto n = load_network(dir(name_or_id)); n) return n;
  }
  const auto networks = list();
  for (const auto& n : networks)
    if (n.name == name_or_id || n.id == name_or_id) return n;
  const NetworkConfig* match = nullptr;
  for (const auto& n : networks) {
    if (name_or_id.size() < 1 || n.id.rfind(name_or_id, 0) != 0) continue;
    if (match) return Error("network id prefix " + name_or_id + " is ambiguous: give more of it, or the name");
    match = &n;
  }
  if (match) return *match;
  return Error("network " + name_or_id + " not found (see `minirun network ls`)");
}

Result<NetworkConfig> NetworkStore::create(const NetworkRequest& request) {
  MINIRUN_TRY(check_network_name(request.name), "network create");
  if (request.name == "bridge") return Error("network name \"bridge\" is reserved for the default network");
  auto held = lock();
  if (!held) return std::move(held.error());
  return create_locked(request);
}

Result<NetworkConfig> NetworkStore::ensure_default() {
  auto held = lock();
  if (!held) return std::move(held.error());
  if (auto existing = find_locked("bridge"); existing) return existing;
  return create_locked({.name = "bridge", .subnet = "", .gateway = "", .labels = {}});
}

Result<NetworkConfig> NetworkStore::create_locked(const NetworkRequest& request) {
  const auto networks = list();
  for (const auto& n : networks)
    if (n.name == request.name) return Error("network with name " + request.name + " already exists");

  // What the new subnet must stay clear of: the other networks, and every route of the
  // host (a container could not reach what such a route leads to).
  auto routes = host_ipv4_routes("");
  if (!routes) return std::move(routes.error()).context("read the host's routes");
  Subnet subnet;
  if (request.subnet.empty()) {
    std::vector<Subnet> taken;
    for (const auto& n : networks) taken.push_back(subnet_of(n));
    for (const auto& [address, prefix] : *routes) taken.push_back(Subnet{address, prefix});
    auto picked = pick_free_subnet(taken);
    if (!picked) return std::move(picked.error());
    subnet = *picked;
  } else {
    auto parsed = parse_subnet(request.subnet);
    if (!parsed) return std::move(parsed.error()).context("--subnet");
    subnet = *parsed;
    for (const auto& n : networks) {
      if (subnet.overlaps(subnet_of(n)))
        return Error("--subnet " + subnet.to_string() + " overlaps network " + n.name + " (" + n.subnet +
                     "); pick another subnet");
    }
    for (const auto& [address, prefix] : *routes) {
      const Subnet route{address, prefix};
      if (subnet.overlaps(route))
        return Error("--subnet " + subnet.to_string() + " collides with the host route to " + route.to_string() +
                     "; pick a subnet the host does not route elsewhere");
    }
  }
  Ipv4 gateway = subnet.first_host();
  if (!request.gateway.empty()) {
    auto parsed = parse_ipv4(request.gateway);
    if (!parsed) return std::move(parsed.error()).context("--gateway");
    if (!subnet.contains(*parsed) || *parsed == subnet.network || *parsed == subnet.broadcast())
      return Error("--gateway " + request.gateway + " is not a host address of the subnet " + subnet.to_string());
    gateway = *parsed;
  }

  NetworkConfig n;
  n.id = sys::random_hex_id();
  n.name = request.name;
  n.created = sys::now_rfc3339();
  n.subnet = subnet.to_string();
  n.gateway = format_ipv4(gateway);
  n.bridge = n.is_default() && data_root_ == kDefaultDataRoot ? "minirun0" : "mr-" + n.id.substr(0, 12);
  n.labels = request.labels;

  // Directory first, written aside and renamed into place: a crash leaves either nothing
  // or a whole network.json. A `.new-*` left by a create that was killed half-way is
  // removed here (we hold the lock, so no create is in progress).
  if (auto dir_fd = sys::UniqueFd(::open(root_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)); dir_fd) {
    if (auto names = sys::list_directory(dir_fd.get(), root_); names)
      for (const auto& name : *names)
        if (name.rfind(".new-", 0) == 0) (void)sys::remove_tree(root_ + "/" + name);
  }
  const std::string staging = root_ + "/.new-" + n.id;
  MINIRUN_TRY(sys::make_directories(staging + "/leases", 0700), "network create");
  MINIRUN_TRY(sys::make_directories(staging + "/endpoints", 0755), "network create");
  MINIRUN_TRY(sys::make_directories(staging + "/names", 0755), "network create");
  if (auto w = sys::write_file_atomic(staging + "/network.json", n.to_json().dump(2) + "\n"); !w) {
    (void)sys::remove_tree(staging);
    return std::move(w.error());
  }
  if (::rename(staging.c_str(), dir(n.id).c_str()) < 0) {
    auto e = Error::from_errno("rename", dir(n.id));
    (void)sys::remove_tree(staging);
    return e;
  }
  if (auto up = bring_up(n); !up) {
    (void)plugin_.run({"remove-network", "--bridge", n.bridge, "--subnet", n.subnet});
    (void)delete_bridge(n.bridge);
    (void)sys::remove_tree(dir(n.id));
    return std::move(up.error()).context("network create " + n.name);
  }
  return n;
}

Result<void> NetworkStore::bring_up(const NetworkConfig& n) const {
  if (link_exists(n.bridge)) return sys::ok();  // the common case: one if_nametoindex(3)
  const Subnet subnet = subnet_of(n);
  auto gateway = parse_ipv4(n.gateway);
  if (!gateway) return std::move(gateway.error()).context("network " + n.name);
  MINIRUN_TRY(ensure_bridge(n.bridge, *gateway, subnet.prefix), "bridge " + n.bridge);
  if (auto r = plugin_.run({"ensure"}); !r) {
    (void)delete_bridge(n.bridge);
    return std::move(r.error()).context("nftables");
  }
  if (auto r = plugin_.run({"add-network", "--bridge", n.bridge, "--subnet", n.subnet}); !r) {
    (void)delete_bridge(n.bridge);
    return std::move(r.error()).context("nftables");
  }
  return sys::ok();
}

Result<void> NetworkStore::remove(const std::string& name_or_id) {
  auto held = lock();
  if (!held) return std::move(held.error());
  auto n = find_locked(name_or_id);
  if (!n) return std::move(n.error());
  if (n->is_default()) return Error("bridge is the default network and cannot be removed (`network prune` removes it when unused)");
  return remove_locked(*n);
}

Result<std::vector<std::string>> NetworkStore::prune() {
  auto held = lock();
  if (!held) return std::move(held.error());
  std::vector<std::string> removed;
  for (const auto& n : list()) {
    auto attached = endpoints(n);
    if (!attached || !attached->empty()) continue;
    MINIRUN_TRY(remove_locked(n), "network prune");
    removed.push_back(n.name);
  }
  return removed;
}

Result<void> NetworkStore::remove_locked(const NetworkConfig& n) {
  auto attached = endpoints(n);
  if (!attached) return std::move(attached.error());
  if (!attached->empty()) {
    std::string names;
    for (const auto& e : *attached) names += (names.empty() ? "" : ", ") + e.name;
    return Error("network " + n.name + " has active endpoints (" + names +
                 "): disconnect or remove those containers first");
  }
  // The kernel side first, the directory last: a failure half-way can be retried.
  MINIRUN_TRY(plugin_.run({"remove-network", "--bridge", n.bridge, "--subnet", n.subnet}), "network rm " + n.name);
  MINIRUN_TRY(delete_bridge(n.bridge), "network rm " + n.name);
  return sys::remove_tree(dir(n.id));
}

Result<std::vector<Endpoint>> NetworkStore::endpoints(const NetworkConfig& n) const {
  std::vector<Endpoint> result;
  const std::string path = endpoints_dir(n.id);
  sys::UniqueFd dir_fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dir_fd) {
    if (errno == ENOENT) return result;
    return Error::from_errno("open", path);
  }
  auto names = sys::list_directory(dir_fd.get(), path);
  if (!names) return std::move(names.error());
  for (const auto& name : *names) {
    if (name.size() < 6 || name.compare(name.size() - 5, 5, ".json") != 0) continue;
    auto text = sys::read_file(path + "/" + name);
    if (!text) continue;  // removed meanwhile
    auto j = nlohmann::json::parse(*text, nullptr, false);
    if (j.is_discarded()) continue;
    if (auto e = Endpoint::from_json(j); e) result.push_back(std::move(*e));
  }
  std::sort(result.begin(), result.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return result;
}

Result<Endpoint> NetworkStore::connect(const NetworkConfig& n, const EndpointRequest& request) {
  auto held = lock();
  if (!held) return std::move(held.error());
  if (!sys::path_exists(dir(n.id) + "/network.json")) return Error("network " + n.name + " was removed meanwhile");
  const std::string file = endpoints_dir(n.id) + "/" + request.container_id + ".json";
  if (sys::path_exists(file))
    return Error("container " + request.name + " is already connected to network " + n.name);
  auto gateway = parse_ipv4(n.gateway);
  if (!gateway) return std::move(gateway.error());
  std::optional<Ipv4> wanted;
  if (!request.ipv4.empty()) {
    auto parsed = parse_ipv4(request.ipv4);
    if (!parsed) return std::move(parsed.error()).context("--ip");
    wanted = *parsed;
  }
  Ipam ipam(leases_dir(n.id), subnet_of(n), *gateway);
  auto address = ipam.allocate(request.container_id, wanted);
  if (!address) return std::move(address.error()).context(wanted ? "--ip" : "network " + n.name);
  Endpoint e;
  e.container_id = request.container_id;
  e.name = request.name;
  e.aliases = request.aliases;
  e.ipv4 = format_ipv4(*address);
  e.mac = mac_for_address(*address);
  e.host_interface = host_interface(request.container_id, n.id);
  if (auto w = sys::write_file_atomic(file, e.to_json().dump() + "\n"); !w) {
    (void)ipam.release(*address, request.container_id);
    return std::move(w.error());
  }
  return e;
}

Result<void> NetworkStore::publish_names(const std::string& network_id, const Endpoint& endpoint) const {
  if (!sys::path_exists(dir(network_id) + "/network.json")) return sys::ok();
  // Made here if missing: networks created before names had a directory of their own.
  MINIRUN_TRY(sys::make_directories(names_dir(network_id), 0755), "network names");
  return sys::write_file_atomic(names_dir(network_id) + "/" + endpoint.container_id + ".json",
                                endpoint.to_json().dump() + "\n");
}

void NetworkStore::withdraw_names(const std::string& network_id, const std::string& container_id) const {
  ::unlink((names_dir(network_id) + "/" + container_id + ".json").c_str());
}

Result<void> NetworkStore::disconnect(const NetworkConfig& n, const std::string& container_id) {
  auto held = lock();
  if (!held) return std::move(held.error());
  auto gateway = parse_ipv4(n.gateway);
  if (!gateway) return std::move(gateway.error());
  if (sys::path_exists(dir(n.id))) {
    Ipam ipam(leases_dir(n.id), subnet_of(n), *gateway);
    MINIRUN_TRY(ipam.release_owner(container_id), "network " + n.name);
  }
  withdraw_names(n.id, container_id);
  const std::string file = endpoints_dir(n.id) + "/" + container_id + ".json";
  if (::unlink(file.c_str()) < 0 && errno != ENOENT) return Error::from_errno("unlink", file);
  return sys::ok();
}

}  // namespace minirun::network
