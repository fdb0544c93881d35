#!/usr/bin/env python3
"""The footprint of an exporter under scraping: `dropscope serve` and, when installed, Debian's
prometheus-node-exporter, measured the same way one after the other.

Each exporter is started, left alone for --warmup seconds and then --idle more (its CPU without scrapes),
then scraped --scrapes times at one per second
(HTTP GET /metrics, Accept-Encoding: gzip as Prometheus sends it). Over the scrape window: the process's
user+sys CPU (/proc/PID/stat; per scrape: the window's CPU less the unscraped rate, over the scrapes), and at its end RSS and PSS (/proc/PID/smaps_rollup), peak RSS (VmHWM), threads,
the median scrape time and the lines of one scrape. RSS counts every page mapped in, shared ones too (libjvm,
the CDS archive, libc); PSS divides each shared page by the number of processes mapping it, so a second JVM
on the machine costs about its PSS, not its RSS.

`make bench` calls serve_row(); `python3 bench/serve_footprint.py [--scrapes 30] [-- serve args]` prints one
table on its own (as root: serve's default eBPF source needs it).
"""
import argparse
import gzip
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DROPSCOPE = os.path.join(ROOT, "dropscope")
NODE_EXPORTER = "prometheus-node-exporter"
HZ = os.sysconf("SC_CLK_TCK")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_s(pid):
    with open(f"/proc/{pid}/stat") as f:
        s = f.read()
    fields = s[s.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / HZ


def rollup_kib(pid):
    """{'Rss': kiB, 'Pss': kiB, ...} from smaps_rollup."""
    out = {}
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            parts = line.split()
            if len(parts) == 3 and parts[2] == "kB":
                out[parts[0].rstrip(":")] = int(parts[1])
    return out


def status(pid, key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return None


def scrape(url):
    req = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"})
    t0 = time.monotonic()
    with urllib.request.urlopen(req, timeout=10) as r:
        body = r.read()
        if r.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
    return time.monotonic() - t0, body.decode()


def wait_listening(url, p, timeout=60):
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if p.poll() is not None:
            raise RuntimeError(f"exited with {p.returncode} before listening")
        try:
            scrape(url)
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("never answered " + url)


def measure(cmd, url, warmup=8.0, scrapes=30, env=None, idle=0.0):
    """Starts cmd, waits for url, sleeps warmup s, (idle s unscraped, for the CPU without scrapes,) then
    scrapes once a second; returns the figures."""
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env,
                         preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        return _measure(p, url, warmup, scrapes, idle)
    except (OSError, RuntimeError) as e:
        if p.poll() is not None:
            raise RuntimeError(f"{cmd[0]} exited with {p.returncode}: {p.stderr.read().strip()[-500:]}") from e
        raise
    finally:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(30)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


def _measure(p, url, warmup, scrapes, idle):
    if True:
        t_start = time.monotonic()
        wait_listening(url, p)
        time.sleep(max(0.0, warmup - (time.monotonic() - t_start)))
        idle_cpu_per_s = None
        if idle > 0:
            i0, ti = cpu_s(p.pid), time.monotonic()
            time.sleep(idle)
            idle_cpu_per_s = (cpu_s(p.pid) - i0) / (time.monotonic() - ti)
        c0 = cpu_s(p.pid)
        times, lines = [], 0
        t0 = time.monotonic()
        for i in range(scrapes):
            took, text = scrape(url)
            times.append(took)
            lines = sum(1 for ln in text.splitlines() if ln and not ln.startswith("#"))
            time.sleep(max(0.0, t0 + i + 1 - time.monotonic()))
        window = time.monotonic() - t0
        cpu = cpu_s(p.pid) - c0
        r = rollup_kib(p.pid)
        threads = status(p.pid, "Threads")
        hwm = status(p.pid, "VmHWM")
        per_scrape = None if idle_cpu_per_s is None else max(0.0, cpu - idle_cpu_per_s * window) / scrapes
        return {"idle_cpu_s_per_min": None if idle_cpu_per_s is None else round(idle_cpu_per_s * 60, 3),
                "cpu_ms_per_scrape": None if per_scrape is None else round(per_scrape * 1000, 2),
                "rss_mib": round(r["Rss"] / 1024, 1), "pss_mib": round(r["Pss"] / 1024, 1),
                "vm_hwm_mib": round(hwm / 1024, 1), "threads": threads,
                "cpu_s": round(cpu, 3), "window_s": round(window, 1),
                "cpu_s_per_min": round(cpu / window * 60, 3),
                "scrape_ms_median": round(statistics.median(times) * 1000, 2), "series": lines, "scrapes": scrapes}


def serve_row(serve_args=(), warmup=8.0, scrapes=30, interval="5s", idle=0.0):
    """{'dropscope': figures, 'node_exporter': figures or None} measured one after the other."""
    out = {}
    port = free_port()
    out["dropscope"] = measure([DROPSCOPE, "serve", "--interval", interval, "--listen", f"127.0.0.1:{port}",
                                *serve_args], f"http://127.0.0.1:{port}/metrics", warmup, scrapes, idle=idle)
    out["dropscope"]["interval"] = interval
    ne = shutil.which(NODE_EXPORTER)
    if ne:
        port = free_port()
        out["node_exporter"] = measure([ne, f"--web.listen-address=127.0.0.1:{port}"],
                                       f"http://127.0.0.1:{port}/metrics", warmup, scrapes, idle=idle)
    else:
        out["node_exporter"] = None
    return out


def table(row):
    lines = ["| exporter | RSS | PSS | peak RSS | threads | CPU s per minute of scrapes (1/s) | CPU s per minute "
             "unscraped | CPU ms per scrape | scrape median | series |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for name, r in row.items():
        if r:
            lines.append(f"| {name} | {r['rss_mib']} MiB | {r['pss_mib']} MiB | {r['vm_hwm_mib']} MiB | {r['threads']} "
                         f"| {r['cpu_s_per_min']} | {r['idle_cpu_s_per_min'] if r['idle_cpu_s_per_min'] is not None else '—'} "
                         f"| {r['cpu_ms_per_scrape'] if r['cpu_ms_per_scrape'] is not None else '—'} "
                         f"| {r['scrape_ms_median']} ms | {r['series']} |")
    return lines


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--warmup", type=float, default=8)
    ap.add_argument("--scrapes", type=int, default=30)
    ap.add_argument("--interval", default="5s")
    ap.add_argument("--idle", type=float, default=20, help="seconds unscraped before the scrapes (CPU without scrapes)")
    ap.add_argument("serve_args", nargs="*")
    a = ap.parse_args()
    row = serve_row(a.serve_args, a.warmup, a.scrapes, a.interval, a.idle)
    print("\n".join(table(row)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
