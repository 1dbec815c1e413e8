#!/bin/sh
# Makes a minimal root filesystem from Debian's busybox-static: one static binary and
# a symlink per applet, plus the few files programs expect (/etc/passwd, /etc/group).
# No download: the binary comes from the package installed by scripts/setup.sh.
# Usage: scripts/make-busybox-rootfs.sh DIR   (idempotent; DIR is created)
set -eu
dir=${1:?usage: make-busybox-rootfs.sh DIR}
busybox=/bin/busybox
if [ ! -x "$busybox" ] || ! "$busybox" --list >/dev/null 2>&1; then
  echo "make-busybox-rootfs.sh: $busybox not found: install Debian's busybox-static (scripts/setup.sh does)" >&2
  exit 1
fi
if [ -x "$dir/bin/busybox" ] && cmp -s "$busybox" "$dir/bin/busybox"; then
  exit 0
fi
tmp="$dir.tmp.$$"
rm -rf "$tmp"
mkdir -p "$tmp/bin" "$tmp/etc" "$tmp/proc" "$tmp/sys" "$tmp/dev" "$tmp/tmp" "$tmp/root" "$tmp/home" "$tmp/var"
chmod 1777 "$tmp/tmp"
cp "$busybox" "$tmp/bin/busybox"
for applet in $("$busybox" --list); do
  [ "$applet" = busybox ] || ln -s busybox "$tmp/bin/$applet"
done
ln -s bin "$tmp/sbin"
mkdir -p "$tmp/usr"
ln -s ../bin "$tmp/usr/bin"
ln -s ../bin "$tmp/usr/sbin"
cat > "$tmp/etc/passwd" <<'P'
root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/bin/false
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
P
cat > "$tmp/etc/group" <<'G'
root:x:0:
daemon:x:1:
nogroup:x:65534:
G
rm -rf "$dir"
mkdir -p "$(dirname "$dir")"
mv "$tmp" "$dir"
