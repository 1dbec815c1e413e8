/**
 * @file capability_names_test.cpp
 * @brief Capability names as OCI configs spell them, to numbers and back.
 */
#include <gtest/gtest.h>
#include <linux/capability.h>

#include "minirun/runtime/capabilities.hpp"

namespace minirun::runtime {
namespace {

TEST(CapabilityNames, KnownNamesMapToKernelNumbers) {
  EXPECT_EQ(capability_from_name("CAP_CHOWN").value(), CAP_CHOWN);
  EXPECT_EQ(capability_from_name("CAP_SYS_ADMIN").value(), CAP_SYS_ADMIN);
  EXPECT_EQ(capability_from_name("CAP_NET_BIND_SERVICE").value(), CAP_NET_BIND_SERVICE);
  EXPECT_EQ(capability_from_name("CAP_AUDIT_WRITE").value(), CAP_AUDIT_WRITE);
}

TEST(CapabilityNames, UnknownNameIsRejectedByName) {
  auto cap = capability_from_name("CAP_SYS_ADMINN");
  ASSERT_FALSE(cap);
  EXPECT_NE(cap.error().message().find("unknown capability \"CAP_SYS_ADMINN\""), std::string::npos)
      << cap.error().message();
}

TEST(CapabilityNames, OnlyTheOciSpellingIsAccepted) {
  // libcap itself would take all of these; an OCI config must not.
  for (const char* name : {"cap_chown", "Cap_Chown", "CHOWN", "CAP_", "12", "CAP_CHOWN+ep", "CAP_CHOWN,CAP_KILL",
                           " CAP_CHOWN", ""}) {
    auto cap = capability_from_name(name);
    EXPECT_FALSE(cap) << "accepted \"" << name << "\"";
  }
}

TEST(CapabilityNames, NamesBeyondTheKernelAreRejected) {
  // Only testable where libcap knows a capability the running kernel does not.
  if (last_capability() >= 40) GTEST_SKIP() << "kernel knows every capability libcap names";
  auto cap = capability_from_name("CAP_CHECKPOINT_RESTORE");
  ASSERT_FALSE(cap);
  EXPECT_NE(cap.error().message().find("not supported by this kernel"), std::string::npos) << cap.error().message();
}

TEST(CapabilityNames, NameRoundTripsForEveryKernelCapability) {
  for (int cap = 0; cap <= last_capability(); ++cap) {
    std::string name = capability_name(cap);
    auto back = capability_from_name(name);
    ASSERT_TRUE(back) << name << ": " << back.error().message();
    EXPECT_EQ(*back, cap) << name;
  }
}

TEST(CapabilityNames, NameIsUpperCaseWithPrefix) {
  EXPECT_EQ(capability_name(CAP_SYS_ADMIN), "CAP_SYS_ADMIN");
  EXPECT_EQ(capability_name(CAP_CHOWN), "CAP_CHOWN");
}

TEST(CapabilityNames, LastCapabilityMatchesKernel) {
  // CAP_AUDIT_READ (37) exists since Linux 3.16; any supported kernel has at least it.
  EXPECT_GE(last_capability(), CAP_AUDIT_READ);
}

}  // namespace
}  // namespace minirun::runtime
