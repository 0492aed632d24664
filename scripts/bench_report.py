#!/usr/bin/env python3
"""Turns scripts/bench's measurements into docs/performance.md: each kvfs
figure as a ratio to the raw baseline measured in the same run, against the
target the project set for it."""
import json
import pathlib
import platform
import subprocess
import sys

results = pathlib.Path(sys.argv[1])


def medians(name):
    data = json.loads((results / f"{name}.json").read_text())
    out = {"_context": data["context"]}
    for b in data["benchmarks"]:
        if b.get("aggregate_name") == "median":
            out[b["run_name"]] = b
    return out


dispatch, io, table = medians("bench_dispatch"), medians("bench_io"), medians("bench_table")
async_io = medians("bench_async")
callgrind = json.loads((results / "callgrind.json").read_text())
compile_times = json.loads((results / "compile.json").read_text())


def t(group, name):
    return group[name]["real_time"]


rows = []


def row(what, value, target, ok, fmt="{:.3f}x"):
    verdict = "reference" if target == "-" else ("met" if ok else "**missed**")
    rows.append((what, fmt.format(value), target, verdict))


r = t(dispatch, "devnull_static") / t(dispatch, "devnull_raw")
row("/dev/null 1-byte write: descriptor<posixfs> / raw ::write", r, "<= 1.02x", r <= 1.02)
r = t(dispatch, "devnull_table") / t(dispatch, "devnull_raw")
row("/dev/null 1-byte write: table / raw ::write", r, "<= 1.05x", r <= 1.05)
r = t(dispatch, "devnull_virtual") / t(dispatch, "devnull_raw")
row("/dev/null 1-byte write: virtual interface / raw ::write (reference)", r, "-", True)
row("callgrind: extra instructions per call, static path", callgrind["static"], "<= 5", callgrind["static"] <= 5,
    "{:.1f}")
row("callgrind: extra instructions per call, table path", callgrind["table"], "<= 40", callgrind["table"] <= 40,
    "{:.1f}")
r = t(dispatch, "memfile_static") / t(dispatch, "memfile_raw")
row("64-byte in-memory write: descriptor<ramfs> / hand-written append", r, "<= 1.2x", r <= 1.2)
r = t(dispatch, "memfile_static") / t(dispatch, "memfile_virtual")
row("64-byte in-memory write: descriptor<ramfs> / virtual interface", r, "< 1x", r < 1.0)
r = t(dispatch, "memfile_static") / t(dispatch, "memfile_locked")
row("64-byte in-memory write: descriptor<ramfs> / the same append under a spinlock (reference)", r, "-", True)
r = t(dispatch, "memfile_table") / t(dispatch, "memfile_raw")
row("64-byte in-memory write: table / hand-written append (reference)", r, "-", True)
for size in (64, 65536):
    for path in ("static", "table"):
        r = t(io, f"tcp_raw/{size}") / t(io, f"tcp_{path}/{size}")
        row(f"TCP {size} B throughput: {path} / raw ::send", r, ">= 0.98x", r >= 0.98)
    r = t(io, f"tcp_raw/{size}") / t(io, f"tcp_asio/{size}")
    row(f"TCP {size} B throughput: Asio socket.send / raw ::send (reference)", r, "-", True)
r = t(io, "copy_sendfile") / t(io, "copy_kvfs")
row("file → TCP copy throughput: kvfs::copy / raw sendfile", r, ">= 0.95x", r >= 0.95)
r = t(io, "copy_read_write") / t(io, "copy_kvfs")
row("file → TCP copy throughput: kvfs::copy / read-write loop", r, ">= 1.5x", r >= 1.5)
r = t(async_io, "async_pipe_static") / t(async_io, "async_pipe_asio")
row("async 64 B pipe write+read: kvfs::async_stream<descriptor<pipefs>> / Asio stream_descriptor", r, "<= 1.1x",
    r <= 1.1)
r = t(async_io, "async_pipe_table") / t(async_io, "async_pipe_asio")
row("async 64 B pipe write+read: kvfs::async_stream<kvfs::fd> / Asio stream_descriptor (reference)", r, "-", True)
for bench in ("table_dup_close", "table_write"):
    r = t(table, f"{bench}/1000000") / t(table, f"{bench}/1000")
    row(f"table {bench.split('_', 1)[1].replace('_', '+')} at 1e6 open / at 1e3", r, "<= 1.5x", r <= 1.5)
r = compile_times["umbrella"] / compile_times["regular_files"]
row("compile time: umbrella / regular-files-only source", r, ">= 3x", r >= 3)

ctx = dispatch["_context"]
compiler = subprocess.run(["c++", "--version"], capture_output=True, text=True).stdout.splitlines()[0]
lines = [
    "# kvfs performance",
    "",
    "Written by `scripts/bench`; do not edit. Every figure is a ratio to the raw",
    "baseline measured in the same run (medians of 5 repetitions), because these",
    "machines are shared and noisy: compare ratios, not times.",
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
