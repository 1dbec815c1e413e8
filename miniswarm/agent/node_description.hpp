/**
 * @file node_description.hpp
 * @brief What a node tells the manager about itself in every heartbeat.
 *
 * The scheduler places tasks from what each node says it has (scheduler/filter_resources,
 * constraints on node.hostname and node.platform.arch), and `miniswarm node ls` shows
 * it. The agent reads it from the kernel once, at start:
 *  - hostname: gethostname(2) (in a lab node, its own UTS namespace's name);
 *  - CPUs: sysconf(_SC_NPROCESSORS_ONLN), in nano-CPUs (1e9 per CPU, Docker's unit);
 *  - memory: sysinfo(2) `totalram` times `mem_unit`;
 *  - platform: os "linux", arch from uname(2) `machine` ("x86_64", "aarch64").
 *
 * What it leaves out: the memory and CPUs a cgroup limit gives the agent (a node in a
 * container sees the host's totals, as Docker's `docker info` does), generic resources
 * (GPUs), engine plugins and labels.
 *
 * Man pages: gethostname(2), sysconf(3), sysinfo(2), uname(2).
 * Docs: SwarmKit api.NodeDescription (hostname, platform, resources).
 */
#pragma once

#include <string>

#include "miniswarm/dispatcher/protocol.hpp"

namespace miniswarm::agent {

/// A heartbeat with this machine's facts filled in, `addr` as advertised, no reports.
HeartbeatRequest describe_node(const std::string& addr);

}  // namespace miniswarm::agent
