#!/bin/sh
# SPDX-License-Identifier: BSL-1.0
# docs/seed-walkthrough.md cannot drift: the demo's output, with the numbers
# that change from run to run replaced (N, PID, PORT, H), must be the page's
# block that follows the "demo-output" marker.
# Usage: seed_walkthrough_test.sh DEMO PAGE
set -eu
demo=$1 page=$2
expected=$(awk '/<!-- demo-output -->/ {armed=1; next}
                armed && /^```text$/ {inside=1; next}
                inside && /^```$/ {exit}
                inside {print}' "$page")
[ -n "$expected" ] || { echo "no demo-output block in $page" >&2; exit 1; }
out=$(TMPDIR=/tmp "$demo")
# The static descriptor's number is the host's: whatever the host gave.
host=$(printf '%s\n' "$out" | sed -nE 's/.*install as descriptor<sockfs<tcp>> = ([0-9]+)$/\1/p')
[ -n "$host" ] || { echo "the demo printed no static descriptor" >&2; exit 1; }
printf '%s\n' "$out" | sed -E \
  -e "s/\(fd $host\)/(fd H)/g" -e "s/descriptor<sockfs<tcp>> = $host\$/descriptor<sockfs<tcp>> = H/" \
  -e 's/(socket|pipe):\[[0-9]+\]/\1:[N]/g' -e 's/kvfs-demo-[0-9]+/kvfs-demo-PID/g' \
  -e 's/127\.0\.0\.1:[0-9]+/127.0.0.1:PORT/g' > "${TMPDIR:-/tmp}/seed-walkthrough.$$"
printf '%s\n' "$expected" | diff -u - "${TMPDIR:-/tmp}/seed-walkthrough.$$" && status=0 || status=1
rm -f "${TMPDIR:-/tmp}/seed-walkthrough.$$"
exit $status
