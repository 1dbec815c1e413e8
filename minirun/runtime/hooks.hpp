/**
 * @file hooks.hpp
 * @brief OCI hooks: programs the runtime runs at fixed points of a container's life.
 *
 * A hook is how the world outside the runtime joins in: the NVIDIA container toolkit
 * adds GPU devices in `createRuntime`, a CNI plugin sets up the network in
 * `createRuntime` (Docker once did it in `prestart`), a logger records `poststop`.
 * The runtime knows nothing about what a hook does. It runs the program (`path`, with
 * `args` as argv, `env` as the whole environment, no shell, no PATH lookup) and
 * writes the container's state JSON (`ociVersion`, `id`, `status`, `pid`, `bundle`,
 * `annotations`) to its stdin, which is how the hook learns the pid whose namespaces
 * it should enter.
 *
 * The points, in lifecycle order (OCI runtime spec, config.md "Hooks" and
 * runtime.md "Lifecycle"): `prestart` (deprecated, same moment as createRuntime),
 * `createRuntime`, `createContainer`, `startContainer`, `poststart`, `poststop`.
 *
 * A failing hook (exit status not 0, killed, or past its `timeout`) is an error that
 * names the hook as its field: ``hooks.createRuntime[1]: `/usr/bin/x` exited with
 * status 2: <its stderr>``. The spec says what follows from a failure, and run_hooks
 * follows it: in the `poststart` and `poststop` phases the remaining hooks still run
 * and the result is only a warning for the caller to log; in every other phase the
 * first failure stops the rest and the caller must abort the container.
 *
 * Left out: running hooks inside the container's namespaces (createContainer and
 * startContainer are the caller's job: it calls run_hooks from the right process).
 *
 * Man pages: execve(2), pidfd_open(2), poll(2), memfd_create(2).
 * Lab: labs/02-rootfs.
 */
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "minirun/runtime/spec.hpp"
#include "minirun/sys/error.hpp"

namespace minirun::runtime {

/// Runs `hooks` in order, each with `state_json` on its stdin, stdout and stderr
/// captured (the first 4 KiB of each), killed with SIGKILL after `timeout` seconds.
/// `phase` is the spec's name ("createRuntime", "poststop", ...) and is used both in
/// messages and to decide whether a failure stops the remaining hooks (see above).
/// Needs Linux 5.3 (pidfd_open).
Result<void> run_hooks(const std::vector<Hook>& hooks, const std::string& state_json, std::string_view phase);

}  // namespace minirun::runtime
