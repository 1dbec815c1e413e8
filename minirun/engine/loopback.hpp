/**
 * @file loopback.hpp
 * @brief Bringing up `lo` in a container's new network namespace.
 *
 * A new network namespace (clone(2) with CLONE_NEWNET) starts with one interface,
 * the loopback `lo`, and it is *down*: even 127.0.0.1 is unreachable ("Network is
 * unreachable"). An OCI runtime leaves it that way (networking is the engine's job), so
 * Docker's engine sets it up for every container, including `--network none`, where
 * loopback is the whole network. The monitor does it between the runtime's `create`
 * and `start`: the namespace exists, the container's program has not run yet.
 *
 * How: the monitor joins the namespace (setns(2) on /proc/PID/ns/net) just long enough
 * to make a socket there, and goes back (network::in_network_namespace); a socket stays
 * in the namespace it was made in, so the SIOCSIFFLAGS ioctl that sets IFF_UP through it
 * acts on the container's `lo`: the same change `ip link set lo up` makes through
 * netlink. (A forked child doing the same cost ~0.2 ms of every container start.) Man pages: network_namespaces(7), netdevice(7), setns(2).
 * Lab: labs/01-image-and-container (and the networks lab for everything beyond loopback).
 */
#pragma once

#include <sys/types.h>

#include "minirun/sys/error.hpp"

namespace minirun::engine {

/// Sets `lo` up in the network namespace of process `pid`.
sys::Result<void> bring_up_loopback(pid_t pid);

}  // namespace minirun::engine
