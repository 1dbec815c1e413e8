// Address leases on disk: exclusive claims, round robin, crash leftovers, bad requests.
#include "minirun/network/ipam.hpp"

#include <gtest/gtest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <set>

#include "minirun/sys/file.hpp"
#include "minirun/sys/unique_fd.hpp"
#include "tests/support/test_env.hpp"

namespace minirun::network {
namespace {

Ipv4 ip(const char* text) {
  auto address = parse_ipv4(text);
  EXPECT_TRUE(address.ok()) << address.error().what();
  return address.ok() ? *address : 0;
}

Subnet net(const char* cidr) {
  auto subnet = parse_subnet(cidr);
  EXPECT_TRUE(subnet.ok()) << subnet.error().what();
  return subnet.ok() ? *subnet : Subnet{};
}

/// A leases directory inside a scratch directory that removes itself.
class IpamTest : public ::testing::Test {
 protected:
  std::string dir() const { return scratch_.path() + "/leases"; }
  Ipam make(const char* cidr, const char* gateway) const { return Ipam(dir(), net(cidr), ip(gateway)); }

  Ipv4 allocate_ok(Ipam& ipam, const std::string& owner, std::optional<Ipv4> requested = std::nullopt) {
    auto address = ipam.allocate(owner, requested);
    EXPECT_TRUE(address.ok()) << address.error().what();
    return address.ok() ? *address : 0;
  }

  std::vector<std::string> names_in_dir() const {
    auto fd = sys::open_file(dir(), O_RDONLY | O_DIRECTORY);
    EXPECT_TRUE(fd.ok());
    if (!fd) return {};
    auto names = sys::list_directory(fd->get(), dir());
    EXPECT_TRUE(names.ok());
    return names.ok() ? *names : std::vector<std::string>{};
  }

  testing::ScratchDir scratch_;
};

template <class T>
void expect_error_mentions(const sys::Result<T>& result, const std::string& needle) {
  ASSERT_FALSE(result.ok()) << "expected an error mentioning `" << needle << "`";
  EXPECT_NE(result.error().what().find(needle), std::string::npos) << result.error().what();
}

TEST_F(IpamTest, FirstAddressIsTheOneAfterTheGateway) {
  Ipam ipam = make("172.18.0.0/16", "172.18.0.1");
  EXPECT_EQ(format_ipv4(allocate_ok(ipam, "c1")), "172.18.0.2");
}

TEST_F(IpamTest, LeaseFileIsNamedByAddressAndHoldsTheOwner) {
  Ipam ipam = make("172.18.0.0/16", "172.18.0.1");
  allocate_ok(ipam, "3f1c0ffee");
  auto text = sys::read_file(dir() + "/172.18.0.2");
  ASSERT_TRUE(text.ok()) << text.error().what();
  EXPECT_EQ(*text, "3f1c0ffee\n");
}

TEST_F(IpamTest, LeasesDirIsCreatedPrivate) {
  Ipam ipam(scratch_.path() + "/networks/front/leases", net("10.0.0.0/24"), ip("10.0.0.1"));
  allocate_ok(ipam, "c1");
  struct stat st{};
  ASSERT_EQ(::stat((scratch_.path() + "/networks/front/leases").c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0700u);
}

TEST_F(IpamTest, JustReleasedAddressIsNotHandedOutAgainAtOnce) {
  Ipam ipam = make("10.0.0.0/24", "10.0.0.1");
  Ipv4 first = allocate_ok(ipam, "c1");
  allocate_ok(ipam, "c2");
  ASSERT_TRUE(ipam.release(first, "c1").ok());
  EXPECT_EQ(format_ipv4(allocate_ok(ipam, "c3")), "10.0.0.4");
}

TEST_F(IpamTest, RoundRobinWrapsAroundToFreedAddresses) {
  Ipam ipam = make("10.0.0.0/29", "10.0.0.1");  // .2 .. .6 for containers
  for (int i = 0; i < 5; ++i) allocate_ok(ipam, "c" + std::to_string(i));
  ASSERT_TRUE(ipam.release(ip("10.0.0.3"), "c1").ok());
  EXPECT_EQ(format_ipv4(allocate_ok(ipam, "again")), "10.0.0.3");
}

TEST_F(IpamTest, SlashThirtyHasExactlyOneAddressForContainers) {
  Ipam ipam = make("10.0.0.0/30", "10.0.0.1");
  EXPECT_EQ(format_ipv4(allocate_ok(ipam, "c1")), "10.0.0.2");
  auto second = ipam.allocate("c2");
  ASSERT_FALSE(second.ok());
  expect_error_mentions(second, "no free address left in 10.0.0.0/30");
}

TEST_F(IpamTest, NetworkBroadcastAndGatewayAreNeverHandedOut) {
  Ipam ipam = make("10.0.0.0/29", "10.0.0.4");  // a gateway in the middle
  std::set<std::string> given;
  for (int i = 0; i < 10; ++i) {
    auto address = ipam.allocate("c" + std::to_string(i));
    if (!address) break;
    given.insert(format_ipv4(*address));
  }
  EXPECT_EQ(given, (std::set<std::string>{"10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.5", "10.0.0.6"}));
}

TEST_F(IpamTest, FailedAllocationLeavesNoFileBehind) {
  Ipam ipam = make("10.0.0.0/30", "10.0.0.1");
  allocate_ok(ipam, "c1");
  ASSERT_FALSE(ipam.allocate("c2").ok());
  ASSERT_FALSE(ipam.allocate("c3", ip("10.0.0.2")).ok());
  EXPECT_EQ(names_in_dir(), (std::vector<std::string>{".last", "10.0.0.2"}));
}

TEST_F(IpamTest, TwoIpamsOnTheSameDirNeverGiveTheSameAddress) {
  Ipam a = make("10.0.0.0/24", "10.0.0.1");
  Ipam b = make("10.0.0.0/24", "10.0.0.1");
  std::set<Ipv4> given;
  for (int i = 0; i < 100; ++i) {
    given.insert(allocate_ok(a, "a" + std::to_string(i)));
    given.insert(allocate_ok(b, "b" + std::to_string(i)));
  }
  EXPECT_EQ(given.size(), 200u);
}

TEST_F(IpamTest, ConcurrentProcessesNeverGetTheSameAddress) {
  constexpr int kChildren = 4;
  constexpr int kEach = 40;
  int pipe_fds[2];
  ASSERT_EQ(::pipe2(pipe_fds, O_CLOEXEC), 0);
  sys::UniqueFd read_end(pipe_fds[0]);
  sys::UniqueFd write_end(pipe_fds[1]);
  std::vector<pid_t> children;
  for (int c = 0; c < kChildren; ++c) {
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      // Each child has its own Ipam, as separate `minirun run` processes would.
      Ipam ipam = make("10.0.0.0/24", "10.0.0.1");
      for (int i = 0; i < kEach; ++i) {
        auto address = ipam.allocate("child" + std::to_string(c));
        if (!address) ::_exit(1);
        Ipv4 value = *address;  // 4 bytes: a pipe write this small is atomic
        if (::write(write_end.get(), &value, sizeof value) != sizeof value) ::_exit(2);
      }
      ::_exit(0);
    }
    children.push_back(pid);
  }
  write_end.reset();
  for (pid_t pid : children) {
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child failed, status " << status;
  }
  std::vector<Ipv4> given;
  Ipv4 value = 0;
  while (::read(read_end.get(), &value, sizeof value) == sizeof value) given.push_back(value);
  ASSERT_EQ(given.size(), static_cast<size_t>(kChildren * kEach));
  EXPECT_EQ(std::set<Ipv4>(given.begin(), given.end()).size(), given.size());
}

TEST_F(IpamTest, ANewIpamAfterACrashNeverReusesALeasedAddress) {
  std::set<Ipv4> before;
  {
    Ipam first = make("10.0.0.0/24", "10.0.0.1");
    for (int i = 0; i < 5; ++i) before.insert(allocate_ok(first, "old" + std::to_string(i)));
  }
  // The crash also lost the hint, so the new Ipam searches from the bottom again.
  ASSERT_EQ(::unlink((dir() + "/.last").c_str()), 0);
  Ipam restarted = make("10.0.0.0/24", "10.0.0.1");
  for (int i = 0; i < 5; ++i) EXPECT_EQ(before.count(allocate_ok(restarted, "new" + std::to_string(i))), 0u);
}

TEST_F(IpamTest, StrayTempFilesAreNotLeases) {
  Ipam ipam = make("10.0.0.0/24", "10.0.0.1");
  allocate_ok(ipam, "c1");
  ASSERT_TRUE(sys::write_file(dir() + "/.tmp-crash1", "ghost\n").ok());
  auto leases = ipam.leases();
  ASSERT_TRUE(leases.ok()) << leases.error().what();
  EXPECT_EQ(*leases, (std::vector<Lease>{{ip("10.0.0.2"), "c1"}}));
}

TEST_F(IpamTest, AllocateRemovesOldStrayTempFilesAndKeepsYoungOnes) {
  Ipam ipam = make("10.0.0.0/24", "10.0.0.1");
  allocate_ok(ipam, "c1");
  std::string old_temp = dir() + "/.tmp-old111";
  std::string young_temp = dir() + "/.tmp-young1";
  ASSERT_TRUE(sys::write_file(old_temp, "crashed\n").ok());
  ASSERT_TRUE(sys::write_file(young_temp, "in progress\n").ok());
  struct timespec times[2] = {{0, UTIME_OMIT}, {::time(nullptr) - 2 * kStaleTempAge.count(), 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, old_temp.c_str(), times, 0), 0);
  allocate_ok(ipam, "c2");
  EXPECT_FALSE(sys::path_exists(old_temp));
  EXPECT_TRUE(sys::path_exists(young_temp));
}

TEST_F(IpamTest, RoundRobinHintIsKeptInDotLast) {
  Ipam ipam = make("10.0.0.0/24", "10.0.0.1");
  allocate_ok(ipam, "c1");
  allocate_ok(ipam, "c2");
  auto hint = sys::read_file(dir() + "/" + kLastLeaseFile);
  ASSERT_TRUE(hint.ok()) << hint.error().what();
  EXPECT_EQ(*hint, "10.0.0.3\n");
}

TEST_F(IpamTest, HintIsSharedByAllIpamsOnTheDir) {
  Ipam a = make("10.0.0.0/24", "10.0.0.1");
  allocate_ok(a, "c1");
  allocate_ok(a, "c2");
  ASSERT_TRUE(a.release(ip("10.0.0.2"), "c1").ok());
  Ipam b = make("10.0.0.0/24", "10.0.0.1");
  EXPECT_EQ(format_ipv4(allocate_ok(b, "c3")), "10.0.0.4");
}

TEST_F(IpamTest, GarbageHintStillAllocates) {
  ASSERT_TRUE(sys::make_directories(dir()).ok());
  ASSERT_TRUE(sys::write_file(dir() + "/.last", "banana\n").ok());
  Ipam ipam = make("10.0.0.0/24", "10.0.0.1");
  EXPECT_EQ(format_ipv4(allocate_ok(ipam, "c1")), "10.0.0.2");
}

TEST_F(IpamTest, HintOutsideTheSubnetStillAllocates) {
  ASSERT_TRUE(sys::make_directories(dir()).ok());
  ASSERT_TRUE(sys::write_file(dir() + "/.last", "192.168.7.7\n").ok());
  Ipam ipam = make("10.0.0.0/24", "10.0.0.1");
  EXPECT_EQ(format_ipv4(allocate_ok(ipam, "c1")), "10.0.0.2");
}

TEST_F(IpamTest, HintAtTheTopWrapsToTheBottom) {
  ASSERT_TRUE(sys::make_directories(dir()).ok());
  ASSERT_TRUE(sys::write_file(dir() + "/.last", "10.0.0.254\n").ok());
  Ipam ipam = make("10.0.0.0/24", "10.0.0.1");
  EXPECT_EQ(format_ipv4(allocate_ok(ipam, "c1")), "10.0.0.2");
}

TEST_F(IpamTest, RequestedAddressIsLeasedToTheOwner) {
  Ipam ipam = make("10.0.0.0/24", "10.0.0.1");
  EXPECT_EQ(format_ipv4(allocate_ok(ipam, "web", ip("10.0.0.77"))), "10.0.0.77");
  auto leases = ipam.leases();
  ASSERT_TRUE(leases.ok());
  EXPECT_EQ(*leases, (std::vector<Lease>{{ip("10.0.0.77"), "web"}}));
}

TEST_F(IpamTest, RequestedAddressOutsideTheSubnetIsAnErrorNamingIt) {
  Ipam ipam = make("10.0.0.0/24", "10.0.0.1");
  auto address = ipam.allocate("web", ip("10.0.1.5"));
  expect_error_mentions(address, "10.0.1.5 is not in subnet 10.0.0.0/24");
}

TEST_F(IpamTest, RequestedGatewayIsAnError) {
  Ipam ipam = make("10.0.0.0/24", "10.0.0.1");
  expect_error_mentions(ipam.allocate("web", ip("10.0.0.1")), "10.0.0.1 is the gateway");
}

TEST_F(IpamTest, RequestedNetworkOrBroadcastAddressIsAnError) {
  Ipam ipam = make("10.0.0.0/24", "10.0.0.1");
  expect_error_mentions(ipam.allocate("web", ip("10.0.0.0")), "network address");
  expect_error_mentions(ipam.allocate("web", ip("10.0.0.255")), "broadcast address");
}

TEST_F(IpamTest, RequestedAddressInUseIsAnErrorNamingTheHolder) {
  Ipam ipam = make("10.0.0.0/24", "10.0.0.1");
  allocate_ok(ipam, "first", ip("10.0.0.9"));
  expect_error_mentions(ipam.allocate("second", ip("10.0.0.9")), "10.0.0.9 is already in use by `first`");
}

TEST_F(IpamTest, GatewayOutsideTheSubnetIsAnError) {
  Ipam ipam = make("10.0.0.0/24", "10.0.9.1");
  expect_error_mentions(ipam.allocate("web"), "gateway 10.0.9.1");
}

TEST_F(IpamTest, EmptyOwnerIsAnError) {
  Ipam ipam = make("10.0.0.0/24", "10.0.0.1");
  expect_error_mentions(ipam.allocate(""), "owner");
  EXPECT_FALSE(sys::path_exists(dir()));
}

TEST_F(IpamTest, ReleaseByTheOwnerFreesTheAddress) {
  Ipam ipam = make("10.0.0.0/24", "10.0.0.1");
  Ipv4 address = allocate_ok(ipam, "c1");
  ASSERT_TRUE(ipam.release(address, "c1").ok());
  EXPECT_FALSE(sys::path_exists(dir() + "/" + format_ipv4(address)));
}

TEST_F(IpamTest, ReleasingALeaseThatIsGoneIsNotAnError) {
  Ipam ipam = make("10.0.0.0/24", "10.0.0.1");
  Ipv4 address = allocate_ok(ipam, "c1");
  ASSERT_TRUE(ipam.release(address, "c1").ok());
  auto again = ipam.release(address, "c1");
  EXPECT_TRUE(again.ok()) << again.error().what();
}

TEST_F(IpamTest, ReleaseBySomeoneElseIsAnErrorAndKeepsTheLease) {
  Ipam ipam = make("10.0.0.0/24", "10.0.0.1");
  Ipv4 address = allocate_ok(ipam, "owner1");
  expect_error_mentions(ipam.release(address, "intruder"), "held by `owner1`");
  EXPECT_TRUE(sys::path_exists(dir() + "/" + format_ipv4(address)));
}

TEST_F(IpamTest, ReleaseOwnerFreesAllOfItsLeasesAndNoOthers) {
  Ipam ipam = make("10.0.0.0/24", "10.0.0.1");
  allocate_ok(ipam, "gone");
  allocate_ok(ipam, "stays");
  allocate_ok(ipam, "gone", ip("10.0.0.50"));
  ASSERT_TRUE(ipam.release_owner("gone").ok());
  auto leases = ipam.leases();
  ASSERT_TRUE(leases.ok());
  EXPECT_EQ(*leases, (std::vector<Lease>{{ip("10.0.0.3"), "stays"}}));
}

TEST_F(IpamTest, LeasesAreSortedByAddressNotByName) {
  Ipam ipam = make("10.0.0.0/24", "10.0.0.1");
  allocate_ok(ipam, "ten", ip("10.0.0.10"));
  allocate_ok(ipam, "nine", ip("10.0.0.9"));
  auto leases = ipam.leases();
  ASSERT_TRUE(leases.ok());
  EXPECT_EQ(*leases, (std::vector<Lease>{{ip("10.0.0.9"), "nine"}, {ip("10.0.0.10"), "ten"}}));
}

TEST_F(IpamTest, LeasesOfANetworkNeverUsedAreEmpty) {
  Ipam ipam = make("10.0.0.0/24", "10.0.0.1");
  auto leases = ipam.leases();
  ASSERT_TRUE(leases.ok()) << leases.error().what();
  EXPECT_TRUE(leases->empty());
}

}  // namespace
}  // namespace minirun::network
