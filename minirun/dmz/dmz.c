/**
 * @file dmz.c
 * @brief minirun-dmz: the last program the runtime runs before the container's own.
 *
 * Why it exists (CVE-2019-5736). Until its final execve(2), a container's first process
 * is a copy of the runtime: /proc/self/exe is the host's `minirun-oci` binary. If the
 * container's program is a script starting `#!/proc/self/exe`, the kernel resolves that
 * interpreter *during* the execve, while /proc/self/exe still names the runtime, and so
 * runs the host's binary inside the container, where a root process can open it via
 * /proc/PID/exe and, once no runtime is running, write into it: the next `minirun-oci`
 * anybody runs on the host is the attacker's.
 *
 * The fix, the one runc 1.2 adopted: the runtime's last execve is of this tiny program,
 * from a sealed memfd (an anonymous file whose content can never change again,
 * memfd_create(2) + F_SEAL_WRITE). This program then execs the container's program. Any
 * `#!/proc/self/exe` now finds the sealed memfd, not the host's binary, and writing to it
 * fails. It is built with no C library (no loader, a page of code) so that the extra
 * execve costs microseconds.
 *
 * Calling convention: argv = { PATH, ARG0, ARG1, ... }; it runs
 * execve(PATH, { ARG0, ARG1, ... }, envp). On failure it prints the errno and exits 127.
 *
 * Man pages: execve(2), memfd_create(2), fcntl(2) (F_ADD_SEALS), proc(5) (/proc/PID/exe).
 * Lab: labs/05-capabilities-seccomp.
 */

#if defined(__x86_64__)
#define SYS_write 1
#define SYS_execve 59
#define SYS_exit 60
static long syscall3(long n, long a, long b, long c) {
  long ret;
  __asm__ volatile("syscall" : "=a"(ret) : "a"(n), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
  return ret;
}
/* The kernel starts us with the stack pointer at argc; pass it to dmz_main. */
__asm__(".global _start\n_start:\n  mov %rsp, %rdi\n  and $-16, %rsp\n  call dmz_main\n  hlt\n");
#elif defined(__aarch64__)
#define SYS_write 64
#define SYS_execve 221
#define SYS_exit 93
static long syscall3(long n, long a, long b, long c) {
  register long x8 __asm__("x8") = n;
  register long x0 __asm__("x0") = a;
  register long x1 __asm__("x1") = b;
  register long x2 __asm__("x2") = c;
  __asm__ volatile("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2) : "memory");
  return x0;
}
__asm__(".global _start\n_start:\n  mov x0, sp\n  bl dmz_main\n  brk #0\n");
#else
#error "minirun-dmz: add this architecture's syscall convention"
#endif

static void say(const char* text) {
  long n = 0;
  while (text[n]) ++n;
  syscall3(SYS_write, 2, (long)text, n);
}

__attribute__((noreturn, used)) void dmz_main(long* stack) {
  long argc = stack[0];
  char** argv = (char**)(stack + 1);
  char** envp = argv + argc + 1;
  if (argc < 2) {
    say("minirun-dmz: usage: minirun-dmz PATH ARG0 [ARGS...] (run by minirun-oci, not by hand)\n");
    syscall3(SYS_exit, 127, 0, 0);
  }
  long err = -syscall3(SYS_execve, (long)argv[0], (long)(argv + 1), (long)envp);
  char digits[24];
  int i = (int)sizeof digits - 1;
  digits[i] = 0;
  do {
    digits[--i] = (char)('0' + err % 10);
    err /= 10;
  } while (err > 0 && i > 0);
  say("minirun-dmz: execve ");
  say(argv[0]);
  say(" failed: errno ");
  say(digits + i);
  say("\n");
  for (;;) syscall3(SYS_exit, 127, 0, 0);
}
