// Back-off and one log line per change of reachability (manager_contact.hpp).
#include <gtest/gtest.h>

#include "miniswarm/agent/manager_contact.hpp"

namespace miniswarm::agent {
namespace {

const minirun::sys::Error kRefused("connect to 127.0.0.1:4242", ECONNREFUSED);

TEST(ManagerContact, DelayDoublesFromTheFirstRetryUpToThePeriod) {
  ManagerContact contact("heartbeat", 100);
  EXPECT_EQ(contact.retry_delay_ms(1000), 0) << "no failure, no delay";
  std::vector<int64_t> delays;
  for (int i = 0; i < 6; ++i) {
    (void)contact.failed(kRefused);
    delays.push_back(contact.retry_delay_ms(1000));
  }
  EXPECT_EQ(delays, (std::vector<int64_t>{100, 200, 400, 800, 1000, 1000}));
}

TEST(ManagerContact, LongOutageStaysAtThePeriod) {
  ManagerContact contact("heartbeat", 100);
  for (int i = 0; i < 10'000; ++i) (void)contact.failed(kRefused);
  EXPECT_EQ(contact.retry_delay_ms(5000), 5000);
}

TEST(ManagerContact, SuccessResetsTheDelay) {
  ManagerContact contact("heartbeat", 100);
  (void)contact.failed(kRefused);
  (void)contact.failed(kRefused);
  (void)contact.succeeded();
  (void)contact.failed(kRefused);
  EXPECT_EQ(contact.retry_delay_ms(1000), 100);
}

TEST(ManagerContact, OnlyChangesOfReachabilityAreLogged) {
  ManagerContact contact("assignments", 100);
  EXPECT_EQ(contact.succeeded(), "manager reachable (assignments)");
  EXPECT_EQ(contact.succeeded(), "");
  std::string lost = contact.failed(kRefused);
  EXPECT_NE(lost.find("lost the manager (assignments): connect to 127.0.0.1:4242: Connection refused"),
            std::string::npos);
  EXPECT_EQ(contact.failed(kRefused), "");
  EXPECT_EQ(contact.succeeded(), "manager reachable again (assignments), after 2 failed attempts");
}

TEST(ManagerContact, FirstFailureSaysTheManagerWasNeverReached) {
  ManagerContact contact("heartbeat", 100);
  EXPECT_EQ(contact.failed(kRefused).rfind("cannot reach the manager (heartbeat)", 0), 0u);
}

}  // namespace
}  // namespace miniswarm::agent
