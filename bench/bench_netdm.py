#!/usr/bin/env python3
"""make bench-netdm: is every NET_DM drop counted? (inside test/vm/netdm-vm; counts only, no timings)

The lab VM runs a stock Debian kernel with drop_monitor under pure emulation, so its rates say nothing
about performance; what it can say is whether `dropscope watch --source netdm` accounts for every drop the
kernel makes. bench/netdm-guest.sh runs, per round and mode (summary, packet): watch, then
native/build/dropgen udp on the guest's loopback, then stops watch. Here we compare what watch reported
for the generator's drop site (__udp4_lib_rcv, where NO_SOCKET drops happen) plus what it reported lost
with the guest kernel's `Udp NoPorts` delta. Prints a markdown table; writes bench/results/netdm-<time>.json.
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VM = os.path.join(ROOT, "test", "vm", "netdm-vm")
RESULTS = os.path.join(ROOT, "bench", "results")


def parse(d):
    gen = json.loads(open(d + ".gen").read().strip().splitlines()[-1])
    summary, packets, packets_mine, lost_lines, garbled = None, 0, 0, 0, 0
    # the guest writes through 9p: a file written while another process reads it can come back with a
    # run of NUL bytes in it; drop them and skip (but count) any line that no longer parses
    with open(d + ".watch", "rb") as f:
        text = f.read().replace(b"\0", b"").decode("utf-8", "replace")
    for line in text.splitlines():
        try:
            o = json.loads(line)
        except ValueError:
            garbled += 1
            continue
        if o.get("type") == "summary":
            summary = o
        elif o.get("type") == "packet":
            packets += 1
            if o.get("dport") == 9 and (o.get("symbol") or "").startswith("__udp4_lib_rcv"):
                packets_mine += 1
        elif o.get("type") == "lost":
            lost_lines += o["count"]
    if summary is None:
        raise RuntimeError(f"{d}: no summary; stderr: {open(d + '.err').read().strip()[-300:]}")
    site = sum(s["count"] for s in summary["sites"] if (s.get("symbol") or "").startswith("__udp4_lib_rcv"))
    return {"kernel_drops": gen["drops"], "drops_per_s": gen["drops_per_s"], "summary_total": summary["total"],
            "site_count": site, "lost": summary["lost"], "packets": packets, "packets_mine": packets_mine,
            "garbled_lines": garbled,
            "exit": int(open(d + ".rc").read().strip() or -1), "monitor": summary.get("monitor", {}),
            "settle_s": int(open(d + ".settle").read().strip()) if os.path.exists(d + ".settle") else None}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=5)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--modes", default="summary,packet")
    ap.add_argument("--packet-count", type=int, default=500, help="packet mode: drops per generator thread")
    ap.add_argument("--timeout", type=int, default=1800, help="whole VM run, boot included")
    ap.add_argument("--parse-only", metavar="DIR", help="no VM: tabulate the outputs a kept run left in DIR")
    # bench.py's options, accepted so one BENCH_ARGS serves both targets
    for ignored in ("--startup-runs", "--rss-seconds", "--quiet-wait", "--note", "--gens", "--only"):
        ap.add_argument(ignored, help=argparse.SUPPRESS)
    a = ap.parse_args()
    for f in (VM, os.path.join(ROOT, "native", "build", "dropgen"), os.path.join(ROOT, "target", "dropscope.jar")):
        if not os.path.exists(f):
            print(f"bench-netdm: {f} missing (make build)", file=sys.stderr)
            return 1
    started = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    os.makedirs(RESULTS, exist_ok=True)
    work = a.parse_only or os.path.join(RESULTS, f"netdm-{started}.d")
    modes = [m for m in a.modes.split(",") if m]
    cmd = [VM, "--timeout", str(a.timeout), "--", "sh", "bench/netdm-guest.sh", os.path.relpath(work, ROOT),
           str(a.runs), f"{a.seconds:g}", str(a.threads), " ".join(modes), str(a.packet_count)]
    print("bench-netdm: " + " ".join(cmd), file=sys.stderr, flush=True)
    # the harness boots again once when a boot dies before the command starts (and then shows the console)
    rc = 0 if a.parse_only else subprocess.run(cmd, cwd=ROOT).returncode
    runs = []
    for mode in modes:
        for r in range(1, a.runs + 1):
            d = os.path.join(work, f"{mode}-{r}")
            if os.path.exists(d + ".rc"):
                try:
                    runs.append(dict(parse(d), mode=mode, round=r))
                except (OSError, ValueError, RuntimeError, KeyError, IndexError) as e:
                    runs.append({"mode": mode, "round": r, "error": str(e)})
    lines = ["| NET_DM mode | runs | kernel drops (NoPorts) | counted at __udp4_lib_rcv | + lost | accounted | "
             "other sites | generated/s (emulated) | settle s |",
             "|---|---|---|---|---|---|---|---|---|"]
    for mode in modes:
        ok = [r for r in runs if r["mode"] == mode and "error" not in r]
        if not ok:
            continue
        med = lambda k: statistics.median(r[k] for r in ok)
        ratio = statistics.median((r["site_count"] + r["lost"]) / max(r["kernel_drops"], 1) for r in ok)
        counted = statistics.median(r["site_count"] / max(r["kernel_drops"], 1) for r in ok)
        lines.append(f"| {mode} | {len(ok)} | {med('kernel_drops'):.0f} | {counted:.2%} | {med('lost'):.0f} | "
                     f"{ratio:.2%} | {med('summary_total') - med('site_count'):.0f} | {med('drops_per_s'):.0f} | "
                     f"{statistics.median(r['settle_s'] or 0 for r in ok):.0f} |")
    errors = [r for r in runs if "error" in r]
    lines.append("")
    lines.append(f"`make bench-netdm` ({a.runs} rounds × {a.seconds:g} s, dropgen udp ×{a.threads} in the lab VM's "
                 f"loopback, {started}); medians. 'accounted' = (counted + reported lost) / kernel drops; "
                 "packet mode stops each generator thread after --packet-count drops; 'settle' = seconds watch needed "
                 "after the generator ended to print what the kernel had already sent.")
    if errors or rc != 0:
        lines.append(f"VM exit {rc}; {len(errors)} run(s) failed: " + "; ".join(r["error"][:200] for r in errors))
    out = {"started": started, "args": vars(a), "vm_exit": rc, "runs": runs, "markdown": "\n".join(lines)}
    with open(os.path.join(RESULTS, f"netdm-{started}.json"), "w") as f:
        json.dump(out, f, indent=1)
    if not errors and rc == 0 and not a.parse_only:
        shutil.rmtree(work, ignore_errors=True)
    else:
        print(f"bench-netdm: kept {os.path.relpath(work, ROOT)} for a look", file=sys.stderr)
    print(out["markdown"])
    return 0 if rc == 0 and not errors and runs else 1


if __name__ == "__main__":
    sys.exit(main())
