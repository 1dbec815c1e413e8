/**
 * @file console.hpp
 * @brief `process.terminal`: giving the container a pseudo-terminal of its own.
 *
 * An interactive shell wants a terminal: line editing, job control, Ctrl-C turned into
 * SIGINT. A pseudo-terminal is a pair: the *master* end, held by whoever shows the
 * screen (docker, a terminal emulator), and the *slave* end, which the program sees as
 * its tty on stdin/stdout/stderr. The container's init opens a pty from its *own*
 * /dev/pts instance (so the slave belongs to the container's devpts, not the host's),
 * makes the slave its controlling terminal, and passes the master fd to the caller over
 * the `--console-socket` Unix socket with SCM_RIGHTS, as runc does. `minirun-oci run`
 * in the foreground makes such a socket itself and relays between its own terminal and
 * the master (foreground.hpp).
 *
 * Man pages: pty(7), posix_openpt(3), unix(7) (SCM_RIGHTS), tty_ioctl(4) (TIOCSCTTY).
 */
#pragma once

#include <string>

#include "minirun/sys/error.hpp"
#include "minirun/sys/unique_fd.hpp"

namespace minirun::runtime {

/// In the container's init, after pivot_root: opens a pty, sends the master over
/// `console_socket`, and makes the slave stdin/stdout/stderr and the controlling tty.
sys::Result<void> setup_console(int console_socket);

/// Connects to a Unix socket path given as `--console-socket`.
sys::Result<sys::UniqueFd> connect_console_socket(const std::string& path);

/// Receives a pty master fd sent with SCM_RIGHTS.
sys::Result<sys::UniqueFd> receive_fd(int socket);

}  // namespace minirun::runtime
