#!/usr/bin/env bash
# SPDX-License-Identifier: BSL-1.0
# kvcat end to end, on real files, pipes and loopback sockets: contents
# byte-exact, the mechanism the kernel really used (strace sees sendfile,
# splice, copy_file_range), usage errors exit 2 and failed calls exit 1.
# Usage: kvcat_test.sh KVCAT
set -uo pipefail
kvcat=$(realpath "$1")
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT
cd "$work"
failures=0
pass() { echo "ok: $1"; }
fail() { echo "FAIL: $1"; failures=$((failures + 1)); }
check() { if eval "$2"; then pass "$1"; else fail "$1"; fi; }
run() { timeout 20 "$kvcat" "$@"; }

head -c 5000000 /dev/urandom > big
printf 'short\n' > small

# file to file: copy_file_range, seen by the kernel.
strace -f -qq -e trace=copy_file_range -o trace.ffr "$kvcat" -v file:big file:copy 2> log.ff
check "file to file is byte-exact" "cmp -s big copy"
check "file to file reports copy_file_range" "grep -q 'with copy_file_range' log.ff"
check "file to file calls copy_file_range(2)" "grep -q '^[0-9]* *copy_file_range(' trace.ffr"

# file to a TCP peer (kvcat on both ends): sendfile, seen by the kernel.
hosts=(127.0.0.1)
if grep -qs '^0\{31\}1 ' /proc/net/if_inet6; then hosts+=('[::1]'); else echo "skip: no IPv6 loopback here"; fi
for host in "${hosts[@]}"; do
  listen_host=${host#[}; listen_host=${listen_host%]}
  rm -f got listen.log
  run -v "tcp-listen:$host:0" file:got 2> listen.log &
  server=$!
  for _ in $(seq 400); do grep -q listening listen.log 2>/dev/null && break; sleep 0.05; done
  port=$(sed -n 's/.*listening on .*:\([0-9]*\)$/\1/p' listen.log)
  strace -f -qq -e trace=sendfile -o trace.sf timeout 20 "$kvcat" -v file:big "tcp:$host:$port" 2> log.sf
  wait $server
  check "file to tcp:$listen_host is byte-exact" "cmp -s big got"
  check "file to tcp:$listen_host calls sendfile(2)" "grep -q '^[0-9]* *sendfile(' trace.sf && grep -q 'with sendfile' log.sf"
done

# standard input from a pipe to a file: splice; a file to a pipe on stdout: splice.
cat big | run -v - file:from_pipe 2> log.sp
check "a pipe on stdin is byte-exact, with splice" "cmp -s big from_pipe && grep -q 'with splice' log.sp"
run file:big - | cmp -s - big
check "a file to stdout (a pipe) is byte-exact" "[ \${PIPESTATUS[0]} -eq 0 ]"

# Unix-domain sockets, both ends kvcat.
run -v unix-listen:"$work/sock" file:via_unix 2> unix.log &
server=$!
# "listening" is written after listen(2); the socket file exists from bind(2) on,
# so waiting for the file alone could connect too early (ECONNREFUSED).
for _ in $(seq 400); do grep -q listening unix.log 2>/dev/null && break; sleep 0.05; done
run file:small unix:"$work/sock"
wait $server
check "unix to unix-listen is byte-exact" "cmp -s small via_unix"
check "the listening socket file is removed at exit" "[ ! -e '$work/sock' ]"
for sig in TERM INT; do
  rm -f unix2.log
  "$kvcat" -v unix-listen:"$work/sock2" file:never 2> unix2.log &
  listener=$!
  for _ in $(seq 400); do grep -q listening unix2.log 2>/dev/null && break; sleep 0.05; done
  kill -s $sig $listener
  wait $listener
  check "SIG$sig removes the listening socket file" "[ ! -e '$work/sock2' ]"
done

# Datagrams, both ends kvcat: the sender cuts the file into datagrams of at
# most 8 KiB; the receiver stops after -n bytes.
head -c 20000 big > medium
run -v -n 20000 udp-listen:127.0.0.1:0 file:via_udp 2> udp.log &
server=$!
for _ in $(seq 400); do grep -q listening udp.log 2>/dev/null && break; sleep 0.05; done
port=$(sed -n 's/.*listening on .*:\([0-9]*\)$/\1/p' udp.log)
strace -f -qq -e trace=sendto,sendmsg -o trace.udp timeout 20 "$kvcat" -v file:medium "udp:127.0.0.1:$port" 2> udp_send.log
wait $server
check "file to udp-listen is byte-exact" "cmp -s medium via_udp"
check "udp: sends 3 datagrams of at most 8 KiB" "[ \$(grep -c '= 8192$\\|= 3616$' trace.udp) -eq 3 ] && grep -q 'in datagrams' udp_send.log"
run -v -n 20000 unix-dgram:"$work/dsock" file:via_dgram 2> dgram.log &
server=$!
for _ in $(seq 400); do [ -S "$work/dsock" ] && break; sleep 0.05; done
run file:medium unix-dgram:"$work/dsock"
wait $server
check "file to unix-dgram is byte-exact" "cmp -s medium via_dgram"
check "the datagram socket file is removed at exit" "[ ! -e '$work/dsock' ]"
run udp:127.0.0.1 - 2> err.txt; status=$?
check "udp without a port exits 2" "[ \$status -eq 2 ] && grep -q 'needs HOST:PORT' err.txt"

# -n COUNT
run -n 1000 file:big file:first
check "-n copies exactly COUNT bytes" "[ \$(stat -c %s first) -eq 1000 ] && cmp -s first <(head -c 1000 big)"

# Errors: usage is exit 2 with a hint, a failed call exit 1 with the errno text.
run foo:bar - 2> err.txt; status=$?
check "unknown address type exits 2" "[ $status -eq 2 ] && grep -q \"unknown address type 'foo'\" err.txt"
run tcp:127.0.0.1 - 2> err.txt; status=$?
check "tcp without a port exits 2" "[ $status -eq 2 ] && grep -q 'needs HOST:PORT' err.txt"
run tcp:127.0.0.1:99999 - 2> err.txt; status=$?
check "a port out of range exits 2" "[ $status -eq 2 ] && grep -q 'bad port' err.txt"
run file:big 2> err.txt; status=$?
check "one address exits 2" "[ $status -eq 2 ]"
run file:"$work/missing" - 2> err.txt; status=$?
check "a missing file exits 1 with ENOENT's text" "[ $status -eq 1 ] && grep -q 'No such file or directory' err.txt"
run file:small tcp:127.0.0.1:1 2> err.txt; status=$?
check "a refused connection exits 1" "[ $status -eq 1 ] && grep -q 'Connection refused' err.txt"
run --help > help.txt; status=$?
check "--help exits 0 and lists the addresses" "[ $status -eq 0 ] && grep -q 'tcp-listen:\[HOST:\]PORT' help.txt"

# -b: both ways at once, kvcat on both ends; each side's standard input
# arrives at the other side's standard output.
printf 'request from the client\n' > request
printf 'response from the server\n' > response
start_listener() {  # log, then kvcat's arguments; sets server and port
  local log=$1; shift
  rm -f "$log"
  run -v "$@" 2> "$log" <&0 &  # <&0: a job started with & would read /dev/null
  server=$!
  for _ in $(seq 400); do grep -q listening "$log" 2>/dev/null && break; sleep 0.05; done
  port=$(sed -n 's/.*listening on .*:\([0-9]*\)$/\1/p' "$log")
}
# -t 10: the server's input ends at once; its other direction may take its time.
start_listener both.log -b -t 10 tcp-listen:127.0.0.1:0 - < response > server_got
run -b -t 10 - "tcp:127.0.0.1:$port" < request > client_got; status=$?
wait $server; server_status=$?
check "-b: the client's input reaches the server" "cmp -s request server_got"
check "-b: the server's input reaches the client" "cmp -s response client_got"
check "-b: both ends exit 0" "[ $status -eq 0 ] && [ $server_status -eq 0 ]"

# -b when one side never ends: the client's standard input stays open (a
# FIFO this script holds), the server sends and closes; the client stops
# reading half a second after the server's end, instead of waiting forever.
mkfifo endless
exec 3<> endless
start_listener linger.log -b tcp-listen:127.0.0.1:0 - < response > /dev/null
started=$(date +%s)
run -b - "tcp:127.0.0.1:$port" < endless > client_got; status=$?
elapsed=$(( $(date +%s) - started ))
exec 3>&-
wait $server
check "-b: a side that never ends is stopped after the other ended" "[ $status -eq 0 ] && [ $elapsed -lt 10 ] && cmp -s response client_got"

run -b file:small - 2> err.txt; status=$?
check "-b with a file address exits 2" "[ $status -eq 2 ] && grep -q 'needs stream addresses' err.txt"
run -b -n 5 - tcp:127.0.0.1:1 2> err.txt; status=$?
check "-b with -n exits 2" "[ $status -eq 2 ] && grep -q 'does not go with -b' err.txt"
run -b -t soon - - 2> err.txt; status=$?
check "-t with a bad number exits 2" "[ $status -eq 2 ] && grep -q 'needs a number of seconds' err.txt"

echo "kvcat: $failures failed"
[ $failures -eq 0 ]
