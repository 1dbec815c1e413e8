/**
 * @file manager_link.hpp
 * @brief The agent's line to the manager: the two calls of protocol.hpp, as an interface.
 *
 * The agent never opens a socket itself. It talks to the manager through this interface,
 * for two reasons:
 *  - the real link is HTTPS over mutual TLS (miniswarm/api/), which needs certificates,
 *    a listening manager and a network; the agent's logic (what to run, what to report,
 *    when to retry) needs none of that, and its unit tests use a fake link that records
 *    what it was sent and answers what the test says;
 *  - a lab can wrap the real link (drop every third heartbeat, delay answers) to show
 *    what an agent does when the manager is slow or gone, without touching the agent.
 *
 * Both calls block. assignments() is a *long poll*: the manager holds it until something
 * about this node's tasks changed after `since_seq`, or `wait_ms` passed, so an agent
 * learns of a new task within a round trip instead of a polling period.
 *
 * cancel() is the one addition to the two calls: Agent::stop() calls it so that a long
 * poll in progress returns at once (the HTTPS link closes its connection) instead of
 * holding the agent's shutdown for up to `wait_ms`. A link that cannot interrupt a call
 * may leave it empty: stop() then waits for the poll to end by itself.
 *
 * Docs: protocol.hpp; SwarmKit agent/session.go (the agent's session with a manager).
 */
#pragma once

#include "minirun/sys/error.hpp"
#include "miniswarm/dispatcher/protocol.hpp"

namespace miniswarm::agent {

using minirun::sys::Error;
using minirun::sys::Result;

class ManagerLink {
 public:
  virtual ~ManagerLink() = default;

  /// "I am alive, here is what happened to my tasks"; the answer sets the next period
  /// and lists the reports the manager could not apply.
  virtual Result<HeartbeatResponse> heartbeat(const HeartbeatRequest& request) = 0;

  /// The complete list of this node's tasks, once it changed after request.since_seq
  /// (at once when since_seq is 0), or after request.wait_ms with the list unchanged.
  virtual Result<AssignmentsResponse> assignments(const AssignmentsRequest& request) = 0;

  /// Makes a call in progress on another thread, and any later call, return soon with
  /// an error: the agent is stopping and will not use the link again. Optional.
  virtual void cancel() {}
};

}  // namespace miniswarm::agent
