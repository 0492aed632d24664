#!/usr/bin/env bash
# SPDX-License-Identifier: BSL-1.0
# kvfs-mount with real programs: coreutils, tar, git, sqlite3 and rsync on a
# kvfs ramfs and on a kvfs posixfs, each mounted through FUSE; then the
# command's own contract (--help, exit 2 for bad input, -o ro, --trace,
# SIGTERM unmounts and exits 0). Exits 77 (ctest's skip) with the reason
# when the machine cannot mount FUSE. Every mount is unmounted on exit,
# whatever failed.
# Usage: kvfs_mount_test.sh KVFS_MOUNT
set -uo pipefail
kvfs_mount=$1
work=$(mktemp -d)
failures=0
pids=()

cleanup() {
  for m in "$work"/mnt-*; do
    mountpoint -q "$m" 2>/dev/null && fusermount3 -u -z "$m" 2>/dev/null
  done
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

skip() { echo "SKIPPED: $1"; exit 77; }
check() {  # name command...
  local name=$1
  shift
  if "$@" > "$work/out" 2>&1; then
    echo "ok   $name"
  else
    echo "FAIL $name"
    sed 's/^/     /' "$work/out" | tail -20
    failures=$((failures + 1))
  fi
}

[ -c /dev/fuse ] || skip "no /dev/fuse on this machine"
command -v fusermount3 > /dev/null || skip "no fusermount3 (Debian: fuse3)"

# mount_kvfs NAME SOURCE [options]: kvfs-mount in the background, waited for.
mount_kvfs() {
  local m="$work/mnt-$1"
  mkdir -p "$m"
  "$kvfs_mount" "${@:3}" "$2" "$m" 2> "$work/mount-$1.log" &
  pids+=($!)
  for _ in $(seq 100); do
    mountpoint -q "$m" && return 0
    kill -0 "${pids[-1]}" 2>/dev/null || break
    sleep 0.05
  done
  cat "$work/mount-$1.log"
  if grep -q "fuse: device not found\|Operation not permitted\|cannot open /dev/fuse" "$work/mount-$1.log"; then
    skip "FUSE mounts are refused here: $(head -1 "$work/mount-$1.log")"
  fi
  echo "FAIL mount $2"
  exit 1
}

programs_on() {  # mount point
  local m=$1
  check "coreutils: write, read, append, sizes" bash -c "
    set -e; cd '$m'; printf 'hello\n' > f; printf 'more\n' >> f; test \"\$(cat f)\" = \$'hello\nmore'
    test \$(stat -c %s f) = 11; truncate -s 3 f; test \"\$(cat f)\" = hel"
  check "coreutils: mkdir -p, ln, ln -s, mv, cp -a, rm -r" bash -c "
    set -e; cd '$m'; mkdir -p a/b/c; echo x > a/b/c/x; ln a/b/c/x hard; test \$(stat -c %h hard) = 2
    ln -s a/b/c/x soft; test \"\$(cat soft)\" = x; test \"\$(readlink soft)\" = a/b/c/x
    mv a/b/c a/moved; test -f a/moved/x; cp -a a copy; test -f copy/moved/x; rm -r a copy hard soft
    test -z \"\$(ls -A | grep -v '^f$')\""
  check "chmod, touch -d, find" bash -c "
    set -e; cd '$m'; mkdir -p t; echo y > t/y; chmod 640 t/y; test \$(stat -c %a t/y) = 640
    touch -d '2001-02-03 04:05:06' t/y; test \"\$(date -r t/y +%F)\" = 2001-02-03
    test \"\$(find t -type f)\" = t/y; rm -r t"
  check "tar: a tree out and back, byte for byte" bash -c "
    set -e; src='$work/src'; rm -rf \"\$src\"; mkdir -p \"\$src/d/e\"; head -c 300000 /dev/urandom > \"\$src/d/big\"
    echo small > \"\$src/d/e/small\"; ln -s big \"\$src/d/link\"
    tar -C \"\$src\" -cf - d | tar -C '$m' -xf -; diff -r \"\$src/d\" '$m/d'
    tar -C '$m' -cf - d | tar -tf - | grep -q d/e/small; rm -r '$m/d'"
  if command -v git > /dev/null; then
    check "git: init, add, commit, log, status" bash -c "
      set -e; cd '$m'; git init -q repo; cd repo; git config user.email k@v; git config user.name kvfs
      for i in 1 2 3; do echo \$i > file\$i; done; git add .; git commit -qm first; echo 4 >> file1
      git commit -qam second; test \$(git rev-list --count HEAD) = 2; test -z \"\$(git status --porcelain)\"
      git gc -q; git fsck --no-progress; cd ..; rm -rf repo"
  else
    echo "SKIPPED git: not installed"
  fi
  if command -v sqlite3 > /dev/null; then
    check "sqlite3: a database with a journal" bash -c "
      set -e; cd '$m'; sqlite3 db.sqlite 'create table t(a, b); begin; insert into t values (1, \"x\");
      insert into t select a + 1, b from t; insert into t select a + 2, b from t; commit;'
      test \$(sqlite3 db.sqlite 'select count(*), sum(a) from t') = '4|10'
      test \$(sqlite3 db.sqlite 'pragma integrity_check') = ok; rm db.sqlite"
  else
    echo "SKIPPED sqlite3: not installed"
  fi
  if command -v rsync > /dev/null; then
    check "rsync -a: a tree in, then only the change" bash -c "
      set -e; src='$work/rsrc'; rm -rf \"\$src\"; mkdir -p \"\$src/x/y\"; seq 10000 > \"\$src/x/n\"; echo z > \"\$src/x/y/z\"
      rsync -a \"\$src/\" '$m/r/'; diff -r \"\$src\" '$m/r'; echo changed >> \"\$src/x/y/z\"
      rsync -a --stats \"\$src/\" '$m/r/' | grep -q 'Number of regular files transferred: 1'; diff -r \"\$src\" '$m/r'
      rm -r '$m/r'"
  else
    echo "SKIPPED rsync: not installed"
  fi
}

mount_kvfs ram ramfs --trace "$work/trace"
programs_on "$work/mnt-ram"
check "the trace names the kernel's path" grep -qE \
  '^FUSE_WRITE\(ino [0-9]+\) -> vfs_write -> ramfs: ramfs_file_operations.write = [0-9]+$' "$work/trace"
check "statfs: through to ramfs (NAME_MAX; the host shows FUSE's own magic)" bash -c "
  test \$(stat -f -c %l '$work/mnt-ram') = 255 && grep -q 'FUSE_STATFS(ino 1) -> vfs_statfs -> ramfs: statfs = 0' '$work/trace'"

mkdir -p "$work/host"
mount_kvfs posix "posixfs:$work/host"
programs_on "$work/mnt-posix"
check "posixfs: the host directory holds what was written" bash -c "
  echo through > '$work/mnt-posix/seen'; test \"\$(cat '$work/host/seen')\" = through"
check "posixfs: never above its directory" bash -c "
  test \"\$(ls -di '$work/mnt-posix/..' | cut -d' ' -f1)\" = \"\$(ls -di '$work' | cut -d' ' -f1)\""

mount_kvfs ro ramfs -o ro
check "-o ro: a write is EROFS, and nothing is made" bash -c "
  touch '$work/mnt-ro/x' 2> '$work/err'; test \$? != 0 && grep -q 'Read-only file system' '$work/err' && test ! -e '$work/mnt-ro/x'"

kill -TERM "${pids[0]}"
wait "${pids[0]}"
status=$?
check "SIGTERM unmounts and exits 0 (exit $status)" bash -c "test $status = 0 && ! mountpoint -q '$work/mnt-ram'"
check "fusermount3 -u unmounts and exits 0" bash -c "
  fusermount3 -u '$work/mnt-posix'; for _ in \$(seq 100); do kill -0 ${pids[1]} 2>/dev/null || break; sleep 0.05; done
  ! kill -0 ${pids[1]} 2>/dev/null"
check "--help" bash -c "'$kvfs_mount' --help | grep -q 'usage: kvfs-mount'"
check "a bad SOURCE: exit 2 with a message" bash -c "
  '$kvfs_mount' nosuchfs '$work/mnt-ram' 2> '$work/err'; test \$? = 2 && grep -q \"unknown SOURCE 'nosuchfs'\" '$work/err'"
check "a mount point that is not an empty directory: exit 2" bash -c "
  '$kvfs_mount' ramfs '$work/host' 2> '$work/err'; test \$? = 2 && grep -q 'not an empty directory' '$work/err'"
check "posixfs: of a missing directory: exit 2" bash -c "
  '$kvfs_mount' posixfs:/no/such/dir '$work/mnt-ram' 2> '$work/err'; test \$? = 2"

if command -v unshare > /dev/null && unshare -m true 2>/dev/null; then
  mkdir -p "$work/mnt-nodev"
  check "no /dev/fuse: exit 1 with a message" bash -c "
    unshare -m sh -c \"mount -t tmpfs none /dev && '$kvfs_mount' ramfs '$work/mnt-nodev'\" 2> '$work/err'
    test \$? = 1 && grep -q 'cannot open /dev/fuse' '$work/err'"
else
  echo "SKIPPED no /dev/fuse: cannot make a mount namespace here"
fi

echo "kvfs-mount: $failures failed"
[ "$failures" = 0 ]
