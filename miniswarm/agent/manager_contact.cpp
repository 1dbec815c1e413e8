/**
 * @file manager_contact.cpp
 * @brief Back-off and state-change log lines for calls to the manager (manager_contact.hpp).
 */
#include "miniswarm/agent/manager_contact.hpp"

#include <algorithm>

namespace miniswarm::agent {

std::string ManagerContact::succeeded() {
  std::string line;
  if (!ever_ok_ && failures_ == 0) line = "manager reachable (" + conversation_ + ")";
  if (failures_ > 0) {
    line = "manager reachable again (" + conversation_ + "), after " + std::to_string(failures_) + " failed attempt" +
           (failures_ == 1 ? "" : "s");
  }
  failures_ = 0;
  ever_ok_ = true;
  return line;
}

std::string ManagerContact::failed(const minirun::sys::Error& error) {
  ++failures_;
  if (failures_ > 1) return "";
  return std::string(ever_ok_ ? "lost the manager" : "cannot reach the manager") + " (" + conversation_ +
         "): " + error.what() + "; containers keep running, retrying with back-off";
}

int64_t ManagerContact::retry_delay_ms(int64_t cap_ms) const {
  if (failures_ == 0) return 0;
  int64_t delay = first_retry_ms_;
  // Doubling stops at the cap, so a long outage cannot overflow the shift.
  for (int i = 1; i < failures_ && delay < cap_ms; ++i) delay *= 2;
  return std::max<int64_t>(0, std::min(delay, cap_ms));
}

}  // namespace miniswarm::agent
