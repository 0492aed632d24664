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
kvfs_mount=$(realpath "$1")
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
  for _ in $(seq 400); do
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

# What real programs see in directory $1, one line each; times, inode
# numbers and directory sizes (which differ between file systems by
# design) left out. Run on tmpfs and on each kvfs mount: the outputs must
# be identical.
workload() {
  local d=$1 src="$work/src"
  cd "$d" || return 1
  files() { stat -c '%n %s %h %F %a' "$@"; }
  echo "== coreutils"
  printf 'hello\n' > f; printf 'more\n' >> f; cat f; files f
  truncate -s 3 f; cat f; echo; truncate -s 10000 f; files f
  mkdir -p a/b/c; echo x > a/b/c/x; ln a/b/c/x hard; ln -s a/b/c/x soft; readlink soft; cat soft
  files hard soft a/b/c/x; stat -c '%n %F %a' a a/b
  mv a/b/c a/moved; cp -a a copy; ls -lR copy a | awk '$1 != "total" { if ($1 ~ /^d/) print $1, $NF; else print $1, $2, $5, $NF }'
  find copy -type f -exec du -b --apparent-size {} + | sort -k2
  chmod 640 f; stat -c '%a' f; touch -d '2001-02-03 04:05:06' f; date -r f +%F
  rm -r a copy hard soft; ls -A
  echo "== tar"
  rm -rf "$src"; mkdir -p "$src/d/e"; head -c 300000 /dev/zero | tr '\0' 'k' > "$src/d/big"; echo small > "$src/d/e/small"
  ln -s big "$src/d/link"; tar -C "$src" -cf - d | tar -xf -; diff -r "$src/d" d && echo "tar: the same tree"
  tar -cf - d | tar -tvf - | awk '{print $1, $3, $6}' | sort -k3; rm -r d  # in name order: readdir's is the fs's own
  if command -v git > /dev/null; then
    echo "== git"
    git init -q repo && cd repo && git config user.email k@v && git config user.name kvfs
    for i in 1 2 3; do echo $i > file$i; done; git add . && git commit -qm first; echo 4 >> file1
    git commit -qam second; git log --format=%s; git status --porcelain; git gc -q; git fsck --no-progress 2>&1
    git show HEAD:file1; cd .. && rm -rf repo
  fi
  if command -v sqlite3 > /dev/null; then
    echo "== sqlite3"
    sqlite3 db 'create table t(a, b); begin; insert into t values (1, "x"); insert into t select a + 1, b from t;
      insert into t select a + 2, b from t; commit; select count(*), sum(a) from t; pragma integrity_check;'
    sqlite3 db 'pragma journal_mode=wal; insert into t values (9, "y"); select count(*) from t; pragma integrity_check;'
    rm -f db db-wal db-shm
  fi
  if command -v python3 > /dev/null; then
    echo "== python3"
    python3 - <<'PY'
import os, shutil
with open("p.txt", "w") as f:
    f.write("line\n" * 1000)
with open("p.txt", "r+") as f:
    f.seek(5); f.write("LINE"); f.seek(0); print(f.read(20).split())
os.makedirs("pd/sub", exist_ok=True)
os.rename("p.txt", "pd/sub/q.txt")
shutil.copytree("pd", "pd2")
os.replace("pd2/sub/q.txt", "pd2/r.txt")
print(sorted(os.listdir("pd2")), os.stat("pd2/r.txt").st_size, os.path.islink("pd2/r.txt"))
try:
    os.rmdir("pd")
except OSError as e:
    print("rmdir pd:", e.strerror)
shutil.rmtree("pd"); shutil.rmtree("pd2"); print(os.listdir("."))
PY
  fi
  if command -v fio > /dev/null; then
    echo "== fio"
    fio --name=verify --filename=fio.dat --size=4m --bs=4k --rw=randwrite --verify=crc32c --do_verify=1 \
      --fallocate=none --verify_state_save=0 --output-format=terse > /dev/null 2> "$work/fio.err" && echo "fio: written and verified (crc32c)"
    rm -f fio.dat
  fi
  if command -v rsync > /dev/null; then
    echo "== rsync"
    rm -rf "$work/rsrc"; mkdir -p "$work/rsrc/x/y"; seq 10000 > "$work/rsrc/x/n"; echo z > "$work/rsrc/x/y/z"
    rsync -a "$work/rsrc/" r/ && diff -r "$work/rsrc" r && echo "rsync: the same tree"
    echo changed >> "$work/rsrc/x/y/z"; rsync -a --stats "$work/rsrc/" r/ | grep 'regular files transferred'
    rm -r r
  fi
  ls -A; cd /
}

# The same workload on tmpfs and on mount point $2: identical outputs.
same_as_tmpfs() {  # name mountpoint
  mkdir -p "$work/tmpfs-$1"
  if [ ! -s "$work/expected" ]; then
    local t
    t=$(mktemp -d /dev/shm/kvfs-workload-XXXXXX)
    workload "$t" > "$work/expected" 2>&1
    rm -rf "$t"
  fi
  workload "$2" > "$work/got-$1" 2>&1
  check "real programs on $1 see what they see on tmpfs ($(grep -c '^==' "$work/expected") programs)" \
    diff -u "$work/expected" "$work/got-$1"
  cp "$work/got-$1" "${KVFS_WORKLOAD_OUT:-/dev/null}" 2>/dev/null || true
}

mount_kvfs ram ramfs --trace "$work/trace"
same_as_tmpfs ramfs "$work/mnt-ram"
check "the trace names the kernel's path" grep -qE \
  '^FUSE_WRITE\(ino [0-9]+\) -> vfs_write -> ramfs: ramfs_file_operations.write = [0-9]+$' "$work/trace"
check "statfs: through to ramfs (NAME_MAX; the host shows FUSE's own magic)" bash -c "
  test \$(stat -f -c %l '$work/mnt-ram') = 255 && grep -q 'FUSE_STATFS(ino 1) -> vfs_statfs -> ramfs: statfs = 0' '$work/trace'"

mkdir -p "$work/host"
mount_kvfs posix "posixfs:$work/host"
same_as_tmpfs posixfs "$work/mnt-posix"
check "posixfs: the host directory holds what was written" bash -c "
  echo through > '$work/mnt-posix/seen'; test \"\$(cat '$work/host/seen')\" = through"
check "posixfs: never above its directory" bash -c "
  test \"\$(ls -di '$work/mnt-posix/..' | cut -d' ' -f1)\" = \"\$(ls -di '$work' | cut -d' ' -f1)\""

mkdir -p "$work/host,with a comma"
mount_kvfs comma "posixfs:$work/host,with a comma"
check "posixfs: a directory whose name has a comma and a space" bash -c "
  echo ok > '$work/mnt-comma/f' && test \"\$(cat '$work/host,with a comma/f')\" = ok"
fusermount3 -u "$work/mnt-comma"

mount_kvfs ro ramfs -o ro
check "-o ro: a write is EROFS, and nothing is made" bash -c "
  touch '$work/mnt-ro/x' 2> '$work/err'; test \$? != 0 && grep -q 'Read-only file system' '$work/err' && test ! -e '$work/mnt-ro/x'"

kill -TERM "${pids[0]}"
wait "${pids[0]}"
status=$?
check "SIGTERM unmounts and exits 0 (exit $status)" bash -c "test $status = 0 && ! mountpoint -q '$work/mnt-ram'"
check "fusermount3 -u unmounts and exits 0" bash -c "
  fusermount3 -u '$work/mnt-posix'; for _ in \$(seq 400); do kill -0 ${pids[1]} 2>/dev/null || break; sleep 0.05; done
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
