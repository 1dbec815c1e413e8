/**
 * @file ipam.hpp
 * @brief IP address management: which container holds which address of a network,
 * kept as one small file per leased address so that it survives crashes and restarts.
 *
 * Every container on a bridge network needs an address of the network's subnet that no
 * other container has. Docker's libnetwork does this in its default IPAM driver
 * ("ipam/default"): a bitmap of the subnet, persisted in the daemon's store, handing
 * addresses out round robin from the last one given (so an address just released is not
 * reused at once, while stale ARP entries and DNS caches may still point at it). minirun
 * has no daemon, so several `minirun run` processes may allocate on the same network at
 * the same moment. The state therefore lives in the filesystem, and the kernel arbitrates:
 *
 *     <leases_dir>/172.18.0.2      "3f1c...\n"   the container id holding 172.18.0.2
 *     <leases_dir>/172.18.0.3      "9a0b...\n"
 *     <leases_dir>/.last           "172.18.0.3"  round-robin hint: the last address leased
 *
 * Claiming an address is three steps. (1) Write the owner id into a fresh temporary
 * file `.tmp-XXXXXX` (mkstemp(3)) and fsync(2) it. (2) link(2) that file to the address
 * name: link never replaces an existing name, it fails with EEXIST, so of two processes
 * racing for 172.18.0.5 exactly one wins and the other moves on. (3) unlink the temporary
 * name. Because the lease name only ever appears already holding its complete content,
 * nobody can read a half-written lease, and a crash at any point leaves either no lease
 * or a whole one. (O_CREAT|O_EXCL would also be exclusive, but the file would be visible
 * empty until the write finished.)
 *
 * Crashes and restarts: nothing is kept in memory between calls; every allocation reads
 * the directory, so a new Ipam (a new process, after a reboot of the engine) never hands
 * out an address that has a lease file. A crash between steps (1) and (3) leaves a stray
 * `.tmp-XXXXXX`. Names starting with `.` are never leases (a lease is named by a dotted
 * address), so leases() ignores them, and allocate() deletes temporary files whose
 * modification time is older than kStaleTempAge. A live claim holds its temporary file
 * for microseconds; should a claimer be paused longer (SIGSTOP, a debugger) and lose its
 * file, its link(2) fails with ENOENT and it reports an error: it never gets a duplicate.
 *
 * The `.last` hint is only a hint: it is replaced with rename(2) (readers see the old or
 * the new one), and when it is missing, unreadable or names an address outside the
 * subnet, allocation simply starts at the bottom of the subnet. Network, broadcast and
 * gateway addresses are never handed out, so a /30 has exactly one address for a
 * container. Releasing is unlink(2) after checking the file names the caller; a
 * container's leases are released by its owner's lifecycle (rm, or clean-up after a
 * crash), which the engine runs once per container, so the check-then-unlink pair is
 * not raced by another releaser of the same lease.
 *
 * Deliberately left out: IPv6, `--ip-range` sub-pools, auxiliary addresses, and the
 * allocation of subnets themselves (see pick_free_subnet() in subnet.hpp).
 *
 * Man pages: link(2), rename(2), mkstemp(3), fsync(2). Docker docs: "docker network
 * create" (--subnet, --gateway), "docker run --ip"; libnetwork's default IPAM driver.
 * Lab: labs/08-networks.
 */
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "minirun/network/subnet.hpp"
#include "minirun/sys/error.hpp"

namespace minirun::network {

/// Name of the round-robin hint file inside a leases directory.
inline constexpr const char* kLastLeaseFile = ".last";
/// Name prefix of claim files not yet linked to an address.
inline constexpr const char* kTempPrefix = ".tmp-";
/// A temporary file older than this is left over from a crash and is deleted.
inline constexpr std::chrono::seconds kStaleTempAge{60};

/// One leased address and who holds it (a container id).
struct Lease {
  Ipv4 address = 0;
  std::string owner;
  bool operator==(const Lease&) const = default;
};

/// Address allocation for one network, with leases kept as files in `leases_dir`
/// (one file per address, named by the dotted address, holding the owner id).
class Ipam {
 public:
  Ipam(std::string leases_dir, Subnet subnet, Ipv4 gateway);

  /// Leases an address to `owner`: `requested` if given (must be inside the subnet, not
  /// the network/broadcast/gateway address, and free: errors name the address and, if
  /// taken, its holder), else the next free one after the most recently leased (round
  /// robin, as Docker does, so a just-released address is not handed out again at
  /// once). Error "no free address left in 172.18.0.0/30" when full. Creates
  /// `leases_dir` (0700) if missing. A requested address does not move the round-robin
  /// position.
  sys::Result<Ipv4> allocate(const std::string& owner, std::optional<Ipv4> requested = std::nullopt);

  /// Gives back `address` if `owner` holds it (no error if the lease is already gone;
  /// an error if someone else holds it).
  sys::Result<void> release(Ipv4 address, const std::string& owner);

  /// Gives back every lease of `owner` (used when a container is removed, also after a
  /// crash).
  sys::Result<void> release_owner(const std::string& owner);

  /// All current leases, sorted by address (none when `leases_dir` does not exist).
  sys::Result<std::vector<Lease>> leases() const;

  const std::string& leases_dir() const { return leases_dir_; }
  const Subnet& subnet() const { return subnet_; }
  Ipv4 gateway() const { return gateway_; }

 private:
  std::string lease_path(Ipv4 address) const;
  sys::Result<void> check_gateway() const;
  sys::Result<void> check_requested(Ipv4 address) const;
  sys::Result<void> prepare_directory();
  sys::Result<Ipv4> claim_requested(const std::string& claim_file, Ipv4 address);
  sys::Result<Ipv4> claim_next_free(const std::string& claim_file);
  std::optional<Ipv4> read_last_lease() const;
  void write_last_lease(Ipv4 address);

  std::string leases_dir_;
  Subnet subnet_;
  Ipv4 gateway_;
};

}  // namespace minirun::network
