#!/usr/bin/env python3
"""make soak DURATION=10m: dropscope watch at full drop rate for a long time, sampled from outside.

What runs:
  * a network namespace of our own (ds-soak-<pid>) with lo up, and in it a UDP flood to a closed
    port on 127.0.0.1: every datagram is a kernel drop (udp NO_SOCKET) counted by Udp.NoPorts. The
    generator is replaceable: SOAK_GENERATOR="cmd args" runs instead of the built-in python one
    (it is run inside the namespace and must flood 127.0.0.1:9 until killed).
  * the observer: `dropscope watch --source tracepoint --format json --interval 1s` (the launcher's
    JVM flags), whose JSON lines are parsed as they come;
  * the collectors: `dropscope snapshot --netns <ns> --source none` every SNAPSHOT_EVERY seconds
    (each a separate process: they must keep succeeding while the flood and the watch go on).
Every SAMPLE_EVERY seconds the observer's RSS, open fds and threads are read from /proc/<pid>.

Pass/fail:
  * flat: after the warm-up (the first 20 % of the run, at least 30 s), RSS may grow at most
    RSS_TOLERANCE (10 %) over its value at the end of the warm-up (median of 3 samples each side);
    open fds and threads may not grow at all (max after warm-up <= value at end of warm-up);
  * accounted: drops the watch saw at the UDP no-socket site + samples it reported lost >= the
    namespace's Udp.NoPorts delta (the tracepoint is machine-wide, so other drops can only add);
  * exit: watch ends by itself (--duration) with exit 0 and prints its summary;
  * kernel state restored: no tracefs mount more than before, no perf_event fd left in any process
    we started, the namespace deleted.
Results: target/soak/soak-<time>.csv (samples) and a summary on stdout. Exit 0 = pass.
"""
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import threading
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
LAUNCHER = os.path.join(REPO, "dropscope")
SAMPLE_EVERY = float(os.environ.get("SAMPLE_EVERY", "5"))
SNAPSHOT_EVERY = float(os.environ.get("SNAPSHOT_EVERY", "30"))
RSS_TOLERANCE = float(os.environ.get("RSS_TOLERANCE", "0.10"))


def seconds(text):
    m = re.fullmatch(r"(\d+(?:\.\d+)?)(s|m|h)?", text.strip())
    if not m:
        sys.exit(f"soak: DURATION '{text}' is not like 90s, 10m or 1h")
    return float(m.group(1)) * {"s": 1, "m": 60, "h": 3600, None: 1}[m.group(2)]


def mounts_of(kind):
    with open("/proc/mounts") as f:
        return [l for l in f if l.split()[2] == kind]


def proc_status(pid):
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            k, _, v = line.partition(":")
            out[k] = v.strip()
    return out


def perf_fds(pid):
    n = 0
    try:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                if "perf_event" in os.readlink(f"/proc/{pid}/fd/{fd}"):
                    n += 1
            except OSError:
                pass
    except OSError:
        return 0
    return n


def no_ports(ns):
    text = subprocess.run(["ip", "netns", "exec", ns, "cat", "/proc/net/snmp"], capture_output=True, text=True,
                          check=True).stdout
    lines = [l.split() for l in text.splitlines() if l.startswith("Udp:")]
    return int(lines[1][lines[0].index("NoPorts")])


GENERATOR = r'''
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
msg = b"x" * 64
while True:
    try:
        s.sendto(msg, ("127.0.0.1", 9))
    except OSError:
        pass
'''


def main():
    duration = seconds(os.environ.get("DURATION", sys.argv[1] if len(sys.argv) > 1 else "10m"))
    warmup = max(30.0, duration * 0.2)
    if os.geteuid() != 0:
        sys.exit("soak: needs root (a network namespace and the kfree_skb tracepoint)")
    if not os.path.exists(os.path.join(REPO, "target", "dropscope.jar")):
        sys.exit("soak: target/dropscope.jar missing; make build")
    ns = f"ds-soak-{os.getpid()}"
    tracefs_before = len(mounts_of("tracefs"))
    os.makedirs(os.path.join(REPO, "target", "soak"), exist_ok=True)
    csv_path = os.path.join(REPO, "target", "soak", time.strftime("soak-%Y%m%dT%H%M%S.csv"))
    started = []
    watch = None
    failures = []
    try:
        subprocess.run(["ip", "netns", "add", ns], check=True)
        subprocess.run(["ip", "-n", ns, "link", "set", "lo", "up"], check=True)
        gen_cmd = os.environ.get("SOAK_GENERATOR", "").split() or [sys.executable, "-c", GENERATOR]
        gens = []
        for _ in range(int(os.environ.get("GENERATORS", "1"))):
            g = subprocess.Popen(["ip", "netns", "exec", ns] + gen_cmd, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
            started.append(g)
            gens.append(g)
        time.sleep(1)
        np_before = no_ports(ns)
        watch = subprocess.Popen([LAUNCHER, "watch", "--source", "tracepoint", "--format", "json",
                                  "--interval", "1s", "--duration", f"{int(duration)}s"],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        started.append(watch)
        seen = {"nosocket": 0, "all": 0, "lost": 0, "summary": None, "lines": 0, "start": None}
        err_lines = []

        def read_out():
            for line in watch.stdout:
                seen["lines"] += 1
                o = json.loads(line)
                t = o.get("type")
                if t == "start":
                    seen["start"] = time.monotonic() - t0  # the JVM is up and the monitor open
                elif t == "drops":
                    seen["all"] += o["count"]
                    if o.get("reason") == "NO_SOCKET" and str(o.get("symbol", "")).startswith("__udp4_lib_rcv"):
                        seen["nosocket"] += o["count"]
                elif t == "lost":
                    seen["lost"] += o["count"]
                elif t == "summary":
                    seen["summary"] = o

        def read_err():
            for line in watch.stderr:
                err_lines.append(line.rstrip())

        t0 = time.monotonic()
        readers = [threading.Thread(target=read_out, daemon=True), threading.Thread(target=read_err, daemon=True)]
        for r in readers:
            r.start()
        # the JVM: the launcher execs java, so watch.pid is the observer itself
        samples = []
        snaps = {"ok": 0, "failed": 0}

        def collectors():
            # a thread of its own: a snapshot's JVM start must not stall the sampling
            time.sleep(10)
            while watch.poll() is None and time.monotonic() - t0 < duration - 15:
                r = subprocess.run([LAUNCHER, "snapshot", "--netns", ns, "--source", "none", "--duration", "1s"],
                                   capture_output=True, text=True)
                if r.returncode == 0 and json.loads(r.stdout).get("findings") is not None:
                    snaps["ok"] += 1
                else:
                    snaps["failed"] += 1
                    failures.append(f"snapshot --netns exit {r.returncode}: {r.stderr.strip()[:200]}")
                time.sleep(SNAPSHOT_EVERY)

        snapshotter = threading.Thread(target=collectors, daemon=True)
        snapshotter.start()
        with open(csv_path, "w") as csv:
            csv.write("t_s,rss_kb,fds,threads,perf_fds,drops_seen,lost\n")
            while watch.poll() is None:
                time.sleep(SAMPLE_EVERY)
                if watch.poll() is not None:
                    break
                try:
                    st = proc_status(watch.pid)
                    fds = len(os.listdir(f"/proc/{watch.pid}/fd"))
                except OSError:
                    break
                t = time.monotonic() - t0
                s = (t, int(st["VmRSS"].split()[0]), fds, int(st["Threads"]), perf_fds(watch.pid))
                samples.append(s)
                csv.write("%.1f,%d,%d,%d,%d,%d,%d\n" % (s + (seen["all"], seen["lost"])))
                csv.flush()
        rc = watch.wait()
        snapshotter.join(60)
        for r in readers:
            r.join(5)
        for g in gens:
            g.send_signal(signal.SIGTERM)
        for g in gens:
            g.wait()
        np_delta = no_ports(ns) - np_before

        # --- verdicts
        if rc != 0:
            failures.append(f"watch exit {rc}: {' | '.join(err_lines[-5:])}")
        if seen["summary"] is None:
            failures.append("watch printed no summary")
        # warm-up counts from the watch's start line: a JVM start on a busy machine can take 20 s
        warmup += seen["start"] or 0
        after = [s for s in samples if s[0] >= warmup]
        before = [s for s in samples if s[0] < warmup]
        if len(before) < 3 or len(after) < 3:
            failures.append(f"too few samples ({len(samples)}) for a verdict; run longer")
        else:
            base = statistics.median(s[1] for s in before[-3:])
            end = statistics.median(s[1] for s in after[-3:])
            peak = max(s[1] for s in after)
            growth = (end - base) / base
            print(f"soak: RSS {base / 1024:.1f} MiB at warm-up end ({warmup:.0f} s), {end / 1024:.1f} MiB at the end "
                  f"({growth * 100:+.1f} %), peak {peak / 1024:.1f} MiB; tolerance {RSS_TOLERANCE * 100:.0f} %")
            if growth > RSS_TOLERANCE:
                failures.append(f"RSS grew {growth * 100:.1f} % after warm-up")
            for name, i in (("fds", 2), ("threads", 3)):
                b = before[-1][i]
                mx = max(s[i] for s in after)
                print(f"soak: {name} {b} at warm-up end, max {mx} after, min {min(s[i] for s in after)}")
                if mx > b:
                    failures.append(f"{name} grew from {b} to {mx}")
        accounted = seen["nosocket"] + seen["lost"]
        print(f"soak: kernel Udp.NoPorts delta in {ns}: {np_delta}; watch saw {seen['nosocket']} at "
              f"__udp4_lib_rcv NO_SOCKET ({seen['all']} drops in all), lost {seen['lost']} "
              f"-> accounted {accounted} ({(accounted / np_delta * 100) if np_delta else 0:.1f} % of NoPorts)")
        if seen["summary"]:
            print(f"soak: watch summary: total {seen['summary'].get('total')} lost {seen['summary'].get('lost')} "
                  f"over {seen['summary'].get('duration_s')} s; {seen['lines']} JSON lines")
        if np_delta <= 0:
            failures.append("the generator caused no drops")
        elif accounted < np_delta:
            failures.append(f"{np_delta - accounted} drops neither seen nor counted as lost")
        print(f"soak: snapshot --netns runs: {snaps['ok']} ok, {snaps['failed']} failed; "
              f"drop rate ~{np_delta / duration:.0f}/s; samples in {csv_path}")
    finally:
        for p in started:
            if p.poll() is None:
                p.kill()
                p.wait()
        leftover = [p.pid for p in started if perf_fds(p.pid)]
        subprocess.run(["ip", "netns", "del", ns], stderr=subprocess.DEVNULL)
    # --- kernel state
    if len(mounts_of("tracefs")) > tracefs_before:
        failures.append("a tracefs mount was left behind")
    if leftover:
        failures.append(f"perf fds still open in {leftover}")
    if os.path.exists(f"/run/netns/{ns}"):
        failures.append(f"namespace {ns} still exists")
    print(f"soak: tracefs mounts before {tracefs_before}, after {len(mounts_of('tracefs'))}; namespace deleted: "
          f"{not os.path.exists(f'/run/netns/{ns}')}")
    if failures:
        print("soak: FAIL\n  " + "\n  ".join(failures))
        return 1
    print("soak: PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
