#!/usr/bin/env bash
# SPDX-License-Identifier: BSL-1.0
# Counts, with strace, the system calls the kernel saw between the probe's
# two getppid() markers, and checks them: exactly EXPECTED calls matching
# WANTED, and no other traced call but those matching ALLOWED (the setup a
# call is documented to make, e.g. kvfs::copy's two fstat).
# Usage: syscall_count.sh PROBE MODE N WANTED EXPECTED [ALLOWED]
set -euo pipefail
probe=$1 mode=$2 n=$3 wanted=$4 expected=$5 allowed=${6:-^$}
log=$(mktemp)
trap 'rm -f "$log"' EXIT
strace -f -qq -o "$log" \
  -e trace=getppid,rt_sigprocmask,rt_sigpending,rt_sigtimedwait,read,write,readv,writev,pread64,pwrite64,send,sendto,sendmsg,recvfrom,recvmsg,sendfile,splice,copy_file_range,poll,ppoll,fcntl,ioctl,fstat,newfstatat,lseek \
  "$probe" "$mode" "$n"
calls=$(awk '/getppid\(/ { inside = !inside; next } inside' "$log" | sed -E 's/^[0-9]+ +//')
calls=$(grep -vE "^($allowed)\(" <<<"$calls" || true)
matching=$(grep -cE "^($wanted)\(" <<<"$calls" || true)
others=$(grep -vcE "^($wanted)\(|^$" <<<"$calls" || true)
echo "$mode x $n: $matching calls to $wanted, $others others"
if [ "$others" -ne 0 ]; then
  echo "unexpected system calls:"; grep -vE "^($wanted)\(|^$" <<<"$calls" | head -20
  exit 1
fi
[ "$matching" -eq "$expected" ] || { echo "expected $expected"; exit 1; }
echo "syscall count: 1 passed, 0 failed"
