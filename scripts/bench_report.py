#!/usr/bin/env python3
# SPDX-License-Identifier: BSL-1.0
"""Turns scripts/bench's measurements into docs/performance.md: each kvfs
figure as a ratio to the raw baseline measured in the same run, against the
target the project set for it."""
import json
import math
import pathlib
import platform
import subprocess
import sys

results = pathlib.Path(sys.argv[1])


def medians(name):
    """Each benchmark's median, with its coefficient of variation as "cv"."""
    data = json.loads((results / f"{name}.json").read_text())
    out = {"_context": data["context"]}
    cvs = {b["run_name"]: b["real_time"] for b in data["benchmarks"] if b.get("aggregate_name") == "cv"}
    # The spreads of the seconds a benchmark counts itself (the copies timed in turn).
    out["_counter_cvs"] = {b["run_name"]: b for b in data["benchmarks"]
                           if b.get("aggregate_name") == "cv" and "kvfs_s" in b}
    for b in data["benchmarks"]:
        if b.get("aggregate_name") == "median":
            out[b["run_name"]] = dict(b, cv=cvs.get(b["run_name"], 0.0))
    return out


dispatch, io, table = medians("bench_dispatch"), medians("bench_io"), medians("bench_table")
async_io = medians("bench_async")
namei = medians("bench_namei")
udp = medians("bench_udp")
callgrind = json.loads((results / "callgrind.json").read_text())
compile_times = json.loads((results / "compile.json").read_text())


def t(group, name):
    return group[name]["real_time"]


rows = []


def noise(group, a, b):
    """The spread of the ratio a/b: the two repetition spreads (coefficients
    of variation) combined, as a fraction."""
    return math.hypot(group[a]["cv"], group[b]["cv"])


def row(what, value, target, ok, fmt="{:.3f}x"):
    verdict = "reference" if target == "-" else ("met" if ok else "**missed**")
    rows.append((what, fmt.format(value), target, verdict))


TESTS = {"<=": lambda r, x: r <= x, ">=": lambda r, x: r >= x, "<": lambda r, x: r < x}


def ratio_row(what, group, numerator, denominator, op=None, threshold=None):
    """The time ratio numerator/denominator against `op threshold` (none: a
    reference row), shown with its spread; a miss by less than the spread
    says so, since another run could land on the other side."""
    r = t(group, numerator) / t(group, denominator)
    spread = noise(group, numerator, denominator)
    shown = f"{r:.3f}x ± {spread * 100:.0f}%"
    if op is None:
        rows.append((what + " (reference)", shown, "-", "reference"))
        return
    verdict = "met" if TESTS[op](r, threshold) else "**missed**"
    if verdict != "met" and abs(r / threshold - 1) <= spread:
        verdict += " (within the spread)"
    rows.append((what, shown, f"{op} {threshold}x", verdict))


ratio_row("/dev/null 1-byte write: descriptor<posixfs> / raw ::write", dispatch, "devnull_static", "devnull_raw",
          "<=", 1.02)
ratio_row("/dev/null 1-byte write: table / raw ::write", dispatch, "devnull_table", "devnull_raw", "<=", 1.05)
ratio_row("/dev/null 1-byte write: table shared by two threads (RCU lookup) / raw ::write", dispatch,
          "devnull_table_shared", "devnull_raw")
ratio_row("/dev/null 1-byte write: virtual interface / raw ::write", dispatch, "devnull_virtual", "devnull_raw")
row("callgrind: extra instructions per call, static path", callgrind["static"], "<= 5", callgrind["static"] <= 5,
    "{:.1f}")
row("callgrind: extra instructions per call, kvfs::write(d, buf) (throwing form)", callgrind["write"], "<= 10",
    callgrind["write"] <= 10, "{:.1f}")
row("callgrind: extra instructions per call, kvfs::write(d, buf, ec)", callgrind["write_ec"], "<= 10",
    callgrind["write_ec"] <= 10, "{:.1f}")
row("callgrind: extra instructions per call, table path", callgrind["table"], "<= 40", callgrind["table"] <= 40,
    "{:.1f}")
ratio_row("64-byte in-memory write: descriptor<ramfs> / hand-written append", dispatch, "memfile_static",
          "memfile_raw", "<=", 2)
ratio_row("64-byte in-memory write: descriptor<ramfs> / virtual interface", dispatch, "memfile_static",
          "memfile_virtual", "<", 1)
ratio_row("64-byte in-memory write: descriptor<ramfs> / the same append under a spinlock", dispatch,
          "memfile_static", "memfile_locked")
ratio_row("64-byte in-memory write: descriptor<ramfs> / the same append stamping mtime from the coarse clock",
          dispatch, "memfile_static", "memfile_stamped")
ratio_row("64-byte in-memory write: table / hand-written append", dispatch, "memfile_table", "memfile_raw")
# Throughput: the raw time over kvfs's time.
for size in (64, 65536):
    for path in ("static", "table"):
        ratio_row(f"TCP {size} B throughput: {path} / raw ::send", io, f"tcp_raw/{size}", f"tcp_{path}/{size}",
                  ">=", 0.98)
    ratio_row(f"TCP {size} B throughput: Asio socket.send / raw ::send", io, f"tcp_raw/{size}", f"tcp_asio/{size}")
row("callgrind: extra instructions per 64-byte TCP send over raw ::send, table", callgrind["tcp_table"], "<= 80",
    callgrind["tcp_table"] <= 80, "{:.1f}")
for path, what in (("static", "descriptor<sockfs<tcp>>"), ("asio", "Asio socket.send")):
    row(f"callgrind: extra instructions per 64-byte TCP send over raw ::send, {what} (reference)",
        callgrind[f"tcp_{path}"], "-", True, "{:.1f}")
# UDP round trips: kvfs's time over the raw calls' (a round trip is two calls).
for size in (64, 1400):
    for path, what in (("static", "kvfs::sendto/recvfrom on descriptor<sockfs<udp>>"), ("table", "the table"),
                       ("asio", "Asio udp::socket")):
        ratio_row(f"UDP {size} B round trip: {what} / raw sendto+recvfrom", udp, f"udp_{path}/{size}",
                  f"udp_raw/{size}")
for path, what in (("static", "kvfs::sendto on descriptor<sockfs<udp>>"), ("table", "table"),
                   ("asio", "Asio socket.send_to")):
    row(f"callgrind: extra instructions per 64-byte UDP sendto over raw ::sendto, {what} (reference)",
        callgrind[f"udp_{path}"], "-", True, "{:.1f}")


def faster_row(what, group, in_turn, kernel):
    """kvfs::copy's throughput over the faster of the loop and the kernel's
    mechanism, all three timed in turn in one benchmark: the medians of
    their seconds over the repetitions, and the spread from theirs."""
    b, cv = group[in_turn], group["_counter_cvs"][in_turn]
    other = "kernel_s" if b["kernel_s"] <= b["loop_s"] else "loop_s"
    fastest = kernel if other == "kernel_s" else "the read/write loop"
    r = b[other] / b["kvfs_s"]
    spread = math.hypot(cv[other], cv["kvfs_s"])
    verdict = "met" if r >= 0.95 else "**missed**"
    if verdict != "met" and abs(r / 0.95 - 1) <= spread:
        verdict += " (within the spread)"
    rows.append((f"{what}: kvfs::copy / the faster of {kernel} and a read/write loop, timed in turn (here {fastest})",
                 f"{r:.3f}x ± {spread * 100:.0f}%", ">= 0.95x", verdict))


faster_row("file → TCP copy throughput", io, "copy_in_turn/iterations:9", "sendfile")
faster_row("file → file copy throughput", io, "copy_file_in_turn/iterations:6", "copy_file_range")
ratio_row("async 64 B pipe write+read: kvfs::async_stream<descriptor<pipefs>> / Asio stream_descriptor", async_io,
          "async_pipe_static", "async_pipe_asio", "<=", 1.1)
ratio_row("async 64 B pipe write+read: kvfs::async_stream<kvfs::fd> / Asio stream_descriptor", async_io,
          "async_pipe_table", "async_pipe_asio")
for bench in ("table_dup_close", "table_write"):
    ratio_row(f"table {bench.split('_', 1)[1].replace('_', '+')} at 1e6 open / at 1e3", table, f"{bench}/1000000",
              f"{bench}/1000", "<=", 1.5)
# The path walk: the cost of one more component is the slope between a
# path 1 and 16 components below the same directory.
def per_component(system):
    return (t(namei, f"namei_stat_{system}/16") - t(namei, f"namei_stat_{system}/1")) / 15


for system in ("ramfs", "posixfs"):
    r = per_component(system) / per_component("raw")
    row(f"path walk, cost per component: kvfs-{system} / the real kernel on tmpfs (reference; "
        f"{per_component(system):.0f} ns against {per_component('raw'):.0f} ns)", r, "-", True)
    ratio_row(f"getdents64 of 100,000 names: kvfs-{system} / the real kernel on tmpfs", namei, f"getdents_{system}",
              "getdents_raw")
r = compile_times["umbrella"] / compile_times["regular_files"]
row("compile time: umbrella / regular-files-only source", r, ">= 3x", r >= 3)

ctx = dispatch["_context"]
compiler = subprocess.run(["c++", "--version"], capture_output=True, text=True).stdout.splitlines()[0]
lines = [
    "<!-- SPDX-License-Identifier: BSL-1.0 -->",
    "# kvfs performance",
    "",
    "Written by `scripts/bench`; do not edit. Every figure is a ratio to the raw",
    "baseline measured in the same run (medians of 5 repetitions), because these",
    "machines are shared and noisy: compare ratios, not times. Why each missed",
    "row misses, and what would fix it: [performance-findings.md](performance-findings.md).",
    "",
    f"Machine: {platform.machine()}, {ctx.get('num_cpus')} CPUs at {ctx.get('mhz_per_cpu')} MHz, "
    f"{platform.system()} {platform.release()}; compiler: {compiler}; build: CMake Release (-O3).",
    "",
    "| measurement | result | target | |",
    "|---|---|---|---|",
]
lines += [f"| {what} | {value} | {target} | {ok} |" for what, value, target, ok in rows]
lines += [
    "",
    "## Descriptor table at scale",
    "",
    "![time per operation against open numbers](table-scale.svg)",
    "",
    "| open numbers | dup + close (ns) | write through the table (ns) | table bytes per number |",
    "|---|---|---|---|",
]
for n in (1000, 10000, 100000, 1000000):
    d = table[f"table_dup_close/{n}"]
    lines.append(f"| {n:,} | {d['real_time']:.1f} | {t(table, f'table_write/{n}'):.1f} | {d['bytes_per_number']:.1f} |")
fuse_file = results / "fuse.json"
if fuse_file.exists():
    fuse = json.loads(fuse_file.read_text())
    metrics = (("seq_write_mbps", "sequential write 1 MiB (MB/s)"), ("seq_read_mbps", "sequential read 1 MiB (MB/s)"),
               ("randread_4k_mbps", "random read 4 KiB (MB/s)"), ("metadata_ops", "create + stat + unlink (ops/s)"))
    lines += [
        "",
        "## Through FUSE (scripts/bench_fuse: fio, and 10,000 files created, stated, unlinked)",
        "",
        "| workload | tmpfs (the limit) | kvfs-mount ramfs | kvfs-mount posixfs:DIR | bindfs DIR | posixfs / bindfs (target >= 1.0) |",
        "|---|---|---|---|---|---|",
    ]
    for key, what in metrics:
        r = fuse["posixfs"][key] / fuse["bindfs"][key]
        verdict = "met" if r >= 1.0 else ("**missed** (within run-to-run noise)" if r >= 0.95 else "**missed**")
        lines.append(f"| {what} | {fuse['tmpfs'][key]:g} | {fuse['ramfs'][key]:g} | {fuse['posixfs'][key]:g} | "
                     f"{fuse['bindfs'][key]:g} | {r:.2f}x {verdict} |")
lines += [
    "",
    "## Compile time (seconds, one translation unit, -O0)",
    "",
    "| source | seconds |",
    "|---|---|",
] + [f"| {k} | {v:.2f} |" for k, v in compile_times.items()] + [""]
print("\n".join(lines))

with open(results / "table-scale.dat", "w") as dat:
    for n in (1000, 10000, 100000, 1000000):
        dat.write(f"{n} {t(table, f'table_dup_close/{n}')} {t(table, f'table_write/{n}')}\n")
