/**
 * @file minirun_init.c
 * @brief minirun-init: a tiny PID 1 that reaps zombies and forwards signals
 * (what `minirun run --init` and `docker run --init` put in front of the command).
 *
 * The PID 1 problem. A container has its own PID namespace, and its first process is
 * PID 1 there. The kernel treats that process as the namespace's init, in two ways an
 * ordinary program does not expect (pid_namespaces(7)):
 *
 *  - Signals. The kernel never applies a *default* action to PID 1 for a signal sent from
 *    inside the namespace, and from outside it drops every signal PID 1 has no handler
 *    for, except SIGKILL (and SIGSTOP). So `minirun stop` sends SIGTERM to a shell or a
 *    server that never installed a SIGTERM handler, nothing happens, and ten seconds later
 *    the engine has to SIGKILL it: no clean shutdown, and a slow `stop`. Ctrl-C (SIGINT)
 *    is ignored the same way.
 *  - Orphans. When a process dies, its children are re-parented to the namespace's PID 1,
 *    which must wait(2) for them when they exit. Until somebody waits, a dead process
 *    stays a zombie (state Z in ps): it holds a PID and a process-table slot. A program
 *    that never expected to be an init (a shell script, a web server that spawns helper
 *    commands) never waits for children it did not make, so zombies pile up until the
 *    container hits its pids limit.
 *
 * The fix, as in tini (Docker's docker-init) and dumb-init: PID 1 is a small program whose
 * only jobs are exactly those two. It blocks every signal, starts the real command as
 * its child, then waits for signals synchronously with sigtimedwait(2):
 *
 *  - SIGCHLD: reap every dead child with waitpid(-1, WNOHANG) (orphans included); when
 *    the command itself has exited, exit with its status (128+N if killed by signal N,
 *    the shell's convention). The kernel then SIGKILLs whatever is left in the namespace.
 *  - any other signal (TERM, INT, HUP, QUIT, USR1, USR2, WINCH, ...): kill(2) it on to the
 *    command, which is not PID 1 and therefore gets the normal default actions: SIGTERM
 *    now terminates a shell that never asked for it.
 *
 * Blocking is what makes this work for PID 1 without a single handler: the kernel never
 * discards a *blocked* signal (the handler might change before it is unblocked), so the
 * SIGTERM stays pending until sigtimedwait takes it. Waiting with sigtimedwait instead of
 * handlers also keeps the program straight-line: no async-signal-safety rules, no races
 * between a handler and the main loop. Signals are blocked *before* fork, so none can be
 * lost between fork and the loop; the child restores the original mask just before
 * execvp(3), so the command starts as it would without us. When not started as PID 1 (run
 * by hand, or tests), it asks to be a "child subreaper" (prctl(2) PR_SET_CHILD_SUBREAPER)
 * so that orphans still come to it.
 *
 * Usage: `minirun-init [-v] -- COMMAND [ARG...]`. -v prints each reap and forwarded
 * signal on stderr. A usage error, or a command that cannot be started, exits 127
 * (126 if it exists but cannot be executed), like a shell.
 *
 * Deliberately left out (tini has them): forwarding to the whole process group (-g),
 * giving the command its own process group and the terminal's foreground (so that
 * Ctrl-C on a tty is not delivered to both of us), remapping exit codes (-e), and
 * a parent-death signal (-p). It is built static (no loader, no libraries to find in
 * the image), because it is bind-mounted from the host into any image at /sbin/minirun-init.
 *
 * Man pages: pid_namespaces(7), signal(7), sigprocmask(2), sigtimedwait(2), wait(2),
 * prctl(2). Docker: `docker run --init`. Lab: labs/01-image-and-container.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Exit status for usage errors and "command not found", as a shell reports it. */
#define EXIT_NOT_FOUND 127
/* Exit status when the command exists but could not be executed (EACCES, ENOEXEC...). */
#define EXIT_CANNOT_EXECUTE 126

static int verbose = 0;

static void usage_error(const char* why) {
  fprintf(stderr, "minirun-init: %s\nusage: minirun-init [-v] -- COMMAND [ARG...]\n", why);
  exit(EXIT_NOT_FOUND);
}

/* Returns the index in argv of COMMAND (the word after "--"); exits on a usage error. */
static int parse_arguments(int argc, char** argv) {
  int i = 1;
  for (; i < argc && strcmp(argv[i], "--") != 0; i++) {
    if (strcmp(argv[i], "-v") == 0)
      verbose = 1;
    else if (argv[i][0] == '-')
      usage_error("unknown option (only -v is known)");
    else
      usage_error("put \"--\" before the command");
  }
  if (i == argc) usage_error("missing \"--\" before the command");
  if (i + 1 == argc) usage_error("missing command after \"--\"");
  return i + 1;
}

/* The child: undo our signal blocking, then become the command. Never returns. */
static void exec_command(char** command, const sigset_t* original_mask) {
  sigprocmask(SIG_SETMASK, original_mask, NULL);
  execvp(command[0], command);
  int saved = errno; /* fprintf may change errno */
  fprintf(stderr, "minirun-init: exec %s: %s\n", command[0], strerror(saved));
  _exit(saved == ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_EXECUTE);
}

/* The shell's convention for a wait(2) status: the exit code, or 128 + the signal. */
static int exit_code_of(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return EXIT_NOT_FOUND; /* not reached: without WUNTRACED we only see deaths */
}

/*
 * Waits for every child that has died, orphans included (several deaths may have been
 * merged into one SIGCHLD: standard signals do not queue). Returns 1 and sets
 * *command_status when the command itself was among them.
 */
static int reap_children(pid_t command_pid, int* command_status) {
  int command_exited = 0;
  for (;;) {
    int status = 0;
    pid_t pid = waitpid(-1, &status, WNOHANG);
    if (pid <= 0) break; /* 0: children left but none dead; -1/ECHILD: no children */
    if (verbose)
      fprintf(stderr, "minirun-init: reaped pid %d (status %d)\n", (int)pid, exit_code_of(status));
    if (pid == command_pid) {
      *command_status = status;
      command_exited = 1;
    }
  }
  return command_exited;
}

int main(int argc, char** argv) {
  int command_index = parse_arguments(argc, argv);

  /* Outside a PID namespace we are not PID 1; ask the kernel to send us orphans anyway. */
  if (getpid() != 1 && prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0 && verbose)
    fprintf(stderr, "minirun-init: cannot become a subreaper: %s\n", strerror(errno));

  /*
   * Block every signal we can, so that each one waits, pending, for sigtimedwait.
   * Faults (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGSYS) stay unblocked: they are
   * raised by our own bugs, and blocking them would hide the crash. SIGKILL and SIGSTOP
   * cannot be blocked at all.
   */
  sigset_t waited_for, original_mask;
  sigfillset(&waited_for);
  int faults[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGSYS};
  for (size_t i = 0; i < sizeof faults / sizeof faults[0]; i++) sigdelset(&waited_for, faults[i]);
  if (sigprocmask(SIG_SETMASK, &waited_for, &original_mask) != 0) {
    fprintf(stderr, "minirun-init: sigprocmask: %s\n", strerror(errno));
    return EXIT_NOT_FOUND;
  }

  pid_t command_pid = fork();
  if (command_pid < 0) {
    fprintf(stderr, "minirun-init: fork: %s\n", strerror(errno));
    return EXIT_NOT_FOUND;
  }
  if (command_pid == 0) exec_command(&argv[command_index], &original_mask);

  /*
   * The loop. A timeout bounds how long a death can go unnoticed should a SIGCHLD ever
   * be missed (the signal is pending from the moment it is sent, so in practice none is),
   * and we reap on each wakeup anyway: it costs one waitpid.
   */
  const struct timespec one_second = {1, 0};
  for (;;) {
    siginfo_t info;
    int sig = sigtimedwait(&waited_for, &info, &one_second);
    if (sig < 0 && errno != EAGAIN && errno != EINTR) {
      fprintf(stderr, "minirun-init: sigtimedwait: %s\n", strerror(errno));
      return EXIT_NOT_FOUND;
    }
    if (sig > 0 && sig != SIGCHLD) {
      if (verbose)
        fprintf(stderr, "minirun-init: forwarding %s to pid %d\n", strsignal(sig),
                (int)command_pid);
      /* Cannot fail with ESRCH: the command stays a zombie, still killable, until we reap it. */
      if (kill(command_pid, sig) != 0)
        fprintf(stderr, "minirun-init: kill %d: %s\n", (int)command_pid, strerror(errno));
      continue;
    }
    int command_status = 0;
    if (reap_children(command_pid, &command_status)) return exit_code_of(command_status);
  }
}
