// The minirun table applied for real, through libnftables. Each test runs in a network
// namespace of its own (unshare(CLONE_NEWNET), undone in TearDown) and uses the table
// "minirun_test_<pid>", which TearDown deletes: the host's own nftables ruleset is never
// seen, let alone touched. No test sends a packet.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "minirun/network/nat_rules.hpp"
#include "minirun/network/nat_table.hpp"
#include "minirun/network/nftables.hpp"
#include "minirun/sys/unique_fd.hpp"
#include "tests/support/test_env.hpp"

namespace minirun::network {
namespace {

/// Moves the calling thread into a new network namespace, and back on destruction.
class PrivateNetworkNamespace {
 public:
  PrivateNetworkNamespace() : original_(::open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC)) {
    entered_ = original_ && ::unshare(CLONE_NEWNET) == 0;
  }
  ~PrivateNetworkNamespace() {
    if (entered_) ::setns(original_.get(), CLONE_NEWNET);
  }
  PrivateNetworkNamespace(const PrivateNetworkNamespace&) = delete;
  PrivateNetworkNamespace& operator=(const PrivateNetworkNamespace&) = delete;
  bool entered() const { return entered_; }

 private:
  sys::UniqueFd original_;
  bool entered_ = false;
};

PortMapping mapping(std::string host_ip, uint16_t host_port, std::string protocol, std::string container_ip,
                    uint16_t container_port) {
  return {std::move(host_ip), host_port, std::move(protocol), std::move(container_ip), container_port};
}

// Addresses are from the documentation ranges (RFC 5737): nothing real uses them.
const PortMapping kWebOnEvery = mapping("", 8080, "tcp", "192.0.2.2", 80);
const PortMapping kOtherOnEvery = mapping("", 8080, "tcp", "192.0.2.3", 80);

class NftablesTable : public ::testing::Test {
 protected:
  void SetUp() override {
    MINIRUN_REQUIRE_ROOT();
    netns_ = std::make_unique<PrivateNetworkNamespace>();
    ASSERT_TRUE(netns_->entered()) << "unshare(CLONE_NEWNET): " << std::strerror(errno);
    auto opened = Nftables::open();  // after unshare: its netlink socket lives in the new namespace
    ASSERT_TRUE(opened.ok()) << opened.error().what();
    nft_ = std::make_unique<Nftables>(std::move(*opened));
  }
  void TearDown() override {
    if (nft_) {
      auto removed = remove_table(*nft_, table_);
      EXPECT_TRUE(removed.ok()) << removed.error().what();
      nft_.reset();
    }
    netns_.reset();  // back to the namespace the test started in
  }

  /// The whole table as libnftables' JSON items ("table", "set", "map", "chain", "rule").
  std::vector<nlohmann::json> items(const std::string& kind) {
    std::vector<nlohmann::json> out;
    auto listing = nft_->list_json("list table ip " + table_);
    EXPECT_TRUE(listing.ok()) << listing.error().what();
    if (!listing) return out;
    for (const auto& item : (*listing)["nftables"])
      if (item.contains(kind)) out.push_back(item[kind]);
    return out;
  }

  std::vector<std::string> elements(const std::string& set) {
    auto listed = list_set_elements(*nft_, table_, set);
    EXPECT_TRUE(listed.ok()) << listed.error().what();
    if (!listed) return {};
    std::sort(listed->begin(), listed->end());
    return *listed;
  }

  std::vector<PortMapping> published() {
    auto listed = list_published(*nft_, table_);
    EXPECT_TRUE(listed.ok()) << listed.error().what();
    return listed ? *listed : std::vector<PortMapping>{};
  }

  std::string table_ = "minirun_test_" + std::to_string(::getpid());
  std::unique_ptr<PrivateNetworkNamespace> netns_;
  std::unique_ptr<Nftables> nft_;
};

// The base has 9 rules: 2 in publish, 1 in prerouting, 1 in output, 3 in postrouting,
// 2 in forward; 5 chains; 5 sets and maps.
constexpr size_t kBaseRules = 9;

TEST_F(NftablesTable, ROOT_EnsureTwiceKeepsOneCopyOfEachRule) {
  ASSERT_TRUE(ensure_base(*nft_, table_).ok());
  auto again = ensure_base(*nft_, table_);
  ASSERT_TRUE(again.ok()) << again.error().what();
  EXPECT_EQ(items("rule").size(), kBaseRules);
  EXPECT_EQ(items("chain").size(), 5u);
  EXPECT_EQ(items("set").size() + items("map").size(), 5u);
}

TEST_F(NftablesTable, ROOT_ConcurrentEnsureFromTwoProcessesKeepsOneCopy) {
  // Several rounds, each with two processes released at the same moment by closing a pipe.
  for (int round = 0; round < 5; ++round) {
    int gate[2];
    ASSERT_EQ(::pipe2(gate, O_CLOEXEC), 0);
    pid_t children[2];
    for (pid_t& child : children) {
      child = ::fork();
      ASSERT_GE(child, 0);
      if (child == 0) {
        ::close(gate[1]);
        char byte;
        (void)::read(gate[0], &byte, 1);  // returns 0 when the parent closes its end
        auto nft = Nftables::open();
        ::_exit(nft && ensure_base(*nft, table_) ? 0 : 1);
      }
    }
    ::close(gate[0]);
    ::close(gate[1]);
    for (pid_t child : children) {
      int status = 0;
      ASSERT_EQ(::waitpid(child, &status, 0), child);
      EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "round " << round;
    }
    EXPECT_EQ(items("rule").size(), kBaseRules) << "round " << round;
    ASSERT_TRUE(remove_table(*nft_, table_).ok());
  }
}

TEST_F(NftablesTable, ROOT_TwoNetworksAreEachOnlyTheirOwnSameBridgePair) {
  ASSERT_TRUE(add_network(*nft_, table_, "mrtbr0", "192.0.2.0/24").ok());
  auto second = add_network(*nft_, table_, "mrtbr1", "198.51.100.0/24");
  ASSERT_TRUE(second.ok()) << second.error().what();
  EXPECT_EQ(elements("bridges"), (std::vector<std::string>{"\"mrtbr0\"", "\"mrtbr1\""}));
  // mrtbr0 -> mrtbr1 and mrtbr1 -> mrtbr0 are not in same_bridge, so the forward rule
  // (both bridges minirun's, pair not in same_bridge) drops them, in both directions.
  EXPECT_EQ(elements("same_bridge"), (std::vector<std::string>{"\"mrtbr0\" . \"mrtbr0\"", "\"mrtbr1\" . \"mrtbr1\""}));
  EXPECT_EQ(elements("subnets"), (std::vector<std::string>{"192.0.2.0/24", "198.51.100.0/24"}));
  auto rules = items("rule");
  EXPECT_EQ(std::count_if(rules.begin(), rules.end(),
                          [](const nlohmann::json& r) { return r.value("chain", "") == "forward"; }),
            2);
}

TEST_F(NftablesTable, ROOT_AddingANetworkTwiceAddsItOnce) {
  ASSERT_TRUE(add_network(*nft_, table_, "mrtbr0", "192.0.2.0/24").ok());
  auto again = add_network(*nft_, table_, "mrtbr0", "192.0.2.0/24");
  ASSERT_TRUE(again.ok()) << again.error().what();
  EXPECT_EQ(elements("bridges"), std::vector<std::string>{"\"mrtbr0\""});
  EXPECT_EQ(elements("subnets"), std::vector<std::string>{"192.0.2.0/24"});
  EXPECT_EQ(items("rule").size(), kBaseRules);
}

TEST_F(NftablesTable, ROOT_RemoveNetworkDeletesItsElementsAndKeepsTheOthers) {
  ASSERT_TRUE(add_network(*nft_, table_, "mrtbr0", "192.0.2.0/24").ok());
  ASSERT_TRUE(add_network(*nft_, table_, "mrtbr1", "198.51.100.0/24").ok());
  auto removed = remove_network(*nft_, table_, "mrtbr0", "192.0.2.0/24");
  ASSERT_TRUE(removed.ok()) << removed.error().what();
  EXPECT_EQ(elements("bridges"), std::vector<std::string>{"\"mrtbr1\""});
  EXPECT_EQ(elements("same_bridge"), std::vector<std::string>{"\"mrtbr1\" . \"mrtbr1\""});
  EXPECT_EQ(elements("subnets"), std::vector<std::string>{"198.51.100.0/24"});
  EXPECT_EQ(items("rule").size(), kBaseRules);
}

TEST_F(NftablesTable, ROOT_RemoveNetworkTwiceSucceeds) {
  ASSERT_TRUE(add_network(*nft_, table_, "mrtbr0", "192.0.2.0/24").ok());
  ASSERT_TRUE(remove_network(*nft_, table_, "mrtbr0", "192.0.2.0/24").ok());
  auto again = remove_network(*nft_, table_, "mrtbr0", "192.0.2.0/24");
  EXPECT_TRUE(again.ok()) << again.error().what();
}

TEST_F(NftablesTable, ROOT_PublishingAPublishedHostPortFailsAndKeepsTheFirst) {
  ASSERT_TRUE(publish(*nft_, table_, {kWebOnEvery}).ok());
  auto second = publish(*nft_, table_, {kOtherOnEvery});
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().what().rfind("host port 8080/tcp is already published by another container", 0), 0u)
      << second.error().what();
  EXPECT_EQ(published(), std::vector<PortMapping>{kWebOnEvery});
}

TEST_F(NftablesTable, ROOT_OneAddressAndEveryAddressOfTheSamePortCollide) {
  ASSERT_TRUE(publish(*nft_, table_, {kWebOnEvery}).ok());
  auto on_one = publish(*nft_, table_, {mapping("127.0.0.1", 8080, "tcp", "192.0.2.3", 80)});
  ASSERT_FALSE(on_one.ok());
  EXPECT_NE(on_one.error().what().find("127.0.0.1:8080/tcp is already published"), std::string::npos)
      << on_one.error().what();
  EXPECT_TRUE(publish(*nft_, table_, {mapping("127.0.0.1", 8080, "udp", "192.0.2.3", 80)}).ok());
}

TEST_F(NftablesTable, ROOT_BatchWithOneTakenPortPublishesNone) {
  ASSERT_TRUE(publish(*nft_, table_, {kWebOnEvery}).ok());
  auto batch = publish(*nft_, table_, {mapping("", 9090, "tcp", "192.0.2.3", 90), kOtherOnEvery,
                                       mapping("127.0.0.1", 9091, "udp", "192.0.2.3", 91)});
  ASSERT_FALSE(batch.ok());
  EXPECT_EQ(published(), std::vector<PortMapping>{kWebOnEvery});
}

TEST_F(NftablesTable, ROOT_KernelRefusesTheWholeTransactionWhenOneKeyExists) {
  // Below publish()'s own check: the create-element transaction itself is all or nothing.
  ASSERT_TRUE(publish(*nft_, table_, {kWebOnEvery}).ok());
  auto ran = nft_->run(nft_publish(table_, {mapping("", 9090, "tcp", "192.0.2.3", 90), kOtherOnEvery,
                                            mapping("127.0.0.1", 9091, "udp", "192.0.2.3", 91)}));
  ASSERT_FALSE(ran.ok());
  EXPECT_NE(ran.error().what().find("File exists"), std::string::npos) << ran.error().what();
  EXPECT_EQ(published(), std::vector<PortMapping>{kWebOnEvery});
}

TEST_F(NftablesTable, ROOT_UnpublishTwiceSucceeds) {
  const PortMapping on_one = mapping("127.0.0.1", 5353, "udp", "192.0.2.2", 53);
  ASSERT_TRUE(publish(*nft_, table_, {kWebOnEvery, on_one}).ok());
  ASSERT_TRUE(unpublish(*nft_, table_, {kWebOnEvery, on_one}).ok());
  EXPECT_TRUE(published().empty());
  auto again = unpublish(*nft_, table_, {kWebOnEvery, on_one});
  EXPECT_TRUE(again.ok()) << again.error().what();
}

TEST_F(NftablesTable, ROOT_UnpublishLeavesAPortThatNowGoesToAnotherContainer) {
  ASSERT_TRUE(publish(*nft_, table_, {kOtherOnEvery}).ok());
  ASSERT_TRUE(unpublish(*nft_, table_, {kWebOnEvery}).ok());  // a late cleanup for the old owner
  EXPECT_EQ(published(), std::vector<PortMapping>{kOtherOnEvery});
}

TEST_F(NftablesTable, ROOT_OperationsOnAMissingTableSucceedOrAreEmpty) {
  EXPECT_TRUE(remove_table(*nft_, table_).ok());
  EXPECT_TRUE(unpublish(*nft_, table_, {kWebOnEvery}).ok());
  EXPECT_TRUE(remove_network(*nft_, table_, "mrtbr0", "192.0.2.0/24").ok());
  EXPECT_TRUE(published().empty());
  auto exists = table_exists(*nft_, table_);
  ASSERT_TRUE(exists.ok());
  EXPECT_FALSE(*exists);
}

TEST_F(NftablesTable, ROOT_PublishMakesTheTableWhenMissing) {
  ASSERT_TRUE(publish(*nft_, table_, {kWebOnEvery}).ok());
  EXPECT_EQ(items("rule").size(), kBaseRules);
}

TEST_F(NftablesTable, ROOT_AssignedHostPortIsFreeAndNotPublished) {
  ASSERT_TRUE(publish(*nft_, table_, {kWebOnEvery}).ok());
  auto assigned = assign_host_ports(*nft_, table_, {mapping("", 0, "tcp", "192.0.2.3", 80), kOtherOnEvery});
  ASSERT_TRUE(assigned.ok()) << assigned.error().what();
  EXPECT_GE((*assigned)[0].host_port, 32768);
  EXPECT_LE((*assigned)[0].host_port, 60999);
  EXPECT_EQ((*assigned)[1], kOtherOnEvery);  // an explicit port is kept (publish refuses it later)
}

TEST_F(NftablesTable, ROOT_ExplicitHostPortBoundByAProgramIsRefused) {
  sys::UniqueFd listener(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  socklen_t length = sizeof a;
  ASSERT_EQ(::bind(listener.get(), reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(::getsockname(listener.get(), reinterpret_cast<sockaddr*>(&a), &length), 0);
  const uint16_t port = ntohs(a.sin_port);
  auto assigned = assign_host_ports(*nft_, table_, {mapping("", port, "tcp", "192.0.2.3", 80)});
  ASSERT_FALSE(assigned.ok());
  EXPECT_NE(assigned.error().what().find("host port " + std::to_string(port) + "/tcp is in use by another program"),
            std::string::npos)
      << assigned.error().what();
}

TEST_F(NftablesTable, ROOT_NftErrorNamesTheFailingCommand) {
  ASSERT_TRUE(ensure_base(*nft_, table_).ok());
  const std::string command = "add element ip " + table_ + " no_such_set { 1.2.3.4 }";
  auto ran = nft_->run(command + "\n");
  ASSERT_FALSE(ran.ok());
  EXPECT_EQ(ran.error().what().rfind("nft `" + command + "`: ", 0), 0u) << ran.error().what();
  EXPECT_NE(ran.error().what().find("No such file or directory"), std::string::npos) << ran.error().what();
}

}  // namespace
}  // namespace minirun::network
