#!/usr/bin/env python3
"""dropscope benchmark: drops accounted, cost per drop, startup and memory, against perf in the same run.

`make bench` runs this as root. In one session, interleaved round by round, the drop generator
(native/build/dropgen, in a network namespace of our own) runs alone and under each observer:

  none          no observer: the machine's drop rate, the reference for "slowdown"
  perf-stat     perf stat -e skb:kfree_skb -a          (in-kernel count only: the cost floor)
  perf-record   perf record -e skb:kfree_skb -a        (the usual per-event tool)
  jna / jnr     dropscope watch --source tracepoint --format json, --native jna / jnr
  ebpf          dropscope watch --source ebpf ...      (only if this dropscope accepts --source ebpf)
  ebpf-perf     the same, program on the perf-event attach, with interface and namespace (DROPSCOPE_EBPF_ATTACH=perf)
  ebpf-raw      the same, program on the raw tracepoint, with interface and namespace (DROPSCOPE_EBPF_ATTACH=raw)
  ebpf-noid     the same on the perf-event attach without identity: the program before BTF (DROPSCOPE_EBPF_IDENTITY=0)
  ebpf-packet   dropscope watch --source ebpf --mode packet --trunc 128: a JSON record per drop with its first
                128 bytes, read from a pipe; drops written (records of the generator's reason) and lost (the
                ring's count), beside perf-record
  ebpf-pcap     the same with --pcap -: pcapng on a pipe (perf record's peer: binary records); written only (the
                summary, with lost, goes nowhere when standard output carries the capture)

For each: drops generated per second (the namespace's own kernel counter over the generator's wall time),
drops accounted / kernel drops (dropscope: the summary's count for the generator's reason; perf: every
kfree_skb event it saw), events lost, observer user+sys CPU per million drops (/proc/PID/stat over the
generator window), and the generator's slowdown against "none". For dropscope also its CPU in steady state:
from its second report with drops (start-up done: symbol table loaded, first report written) to the end. Medians over --runs rounds. Then
dropscope's time to first output (watch), time to the first full TUI frame (top in tmux), and peak RSS
(VmHWM) of watch after --rss-seconds at full drop rate. Last the serve row (bench/serve_footprint.py): RSS, PSS,
threads and CPU of `serve --interval 5s` under --serve-scrapes scrapes at 1/s, and of Debian's
prometheus-node-exporter measured the same way right after (installed with apt-get like perf).

Everything it makes (namespace, veth pair, private tracefs mount for perf, perf data file, tmux server,
processes) is removed on every way out, Ctrl-C included; the runs measured so far are still written.
Results: a markdown table on stdout and bench/results/bench-<UTC time>.json.
"""
import argparse
import collections
import json
import os
import platform
import re
import secrets
import select
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import time

import serve_footprint

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DROPSCOPE = os.path.join(ROOT, "dropscope")
DROPGEN = os.path.join(ROOT, "native", "build", "dropgen")
RESULTS = os.path.join(ROOT, "bench", "results")
HZ = os.sysconf("SC_CLK_TCK")
NCPU = os.cpu_count()
REASON = {"udp": "NO_SOCKET", "raw": "IP_CSUM"}


def log(msg):
    print(msg, file=sys.stderr, flush=True)


class Interrupted(Exception):
    pass


def _on_term(signum, frame):
    raise Interrupted(signal.Signals(signum).name)


def _child_signals():
    # a shell starts background jobs with SIGINT ignored, and children inherit that: the JVM would then
    # never see the SIGINT that stops it (and print its summary). Give every child the default again.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def run(cmd, check=True, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if check and r.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({r.returncode}): {(r.stderr or r.stdout).strip()}")
    return r


# ---------------------------------------------------------------- /proc readings

def proc_cpu(pid):
    """(utime, stime) seconds of a whole process (all its threads, live and dead), or None if gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            s = f.read()
    except OSError:
        return None
    fields = s[s.rindex(")") + 2:].split()
    return int(fields[11]) / HZ, int(fields[12]) / HZ


def thread_cpu(pid):
    """{group: user+sys seconds} over a process's live threads: 'jit' (C1/C2 compiler threads), 'gc', 'app'
    (everything else). Lets a short run separate the JVM warming up from the steady per-drop work."""
    out = {"jit": 0.0, "gc": 0.0, "app": 0.0}
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/stat") as f:
                st = f.read()
        except OSError:
            continue
        comm = st[st.index("(") + 1:st.rindex(")")]
        fields = st[st.rindex(")") + 2:].split()
        sec = (int(fields[11]) + int(fields[12])) / HZ
        group = "jit" if "Compiler" in comm else "gc" if comm.startswith(("GC ", "G1 ", "VM Periodic")) else "app"
        out[group] += sec
    return out


def perf_event_holders(mine):
    """PIDs other than ours holding perf_event fds (other tracers: their cost lands in every run)."""
    out = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) in mine:
            continue
        try:
            for fd in os.listdir(f"/proc/{pid}/fd"):
                if os.readlink(f"/proc/{pid}/fd/{fd}") == "anon_inode:[perf_event]":
                    out.append(int(pid))
                    break
        except OSError:
            continue
    return out


def machine_busy():
    """(busy, total) jiffies summed over all CPUs, from /proc/stat."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    total = sum(v[:8])
    return total - v[3] - v[4], total


def vm_hwm_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return None


# ---------------------------------------------------------------- what we make, and unmake

class Session:
    """Owns every resource the bench creates; close() undoes all of them, in reverse, whatever happened."""

    def __init__(self):
        self.tag = "ds-bench-" + secrets.token_hex(3)
        self.netns = None
        self.tracefs = None
        self.procs = []
        self.files = []
        self.tmux_socket = None

    def make_netns(self):
        ns = self.tag
        run(["ip", "netns", "add", ns])
        self.netns = ns
        for cmd in (["link", "set", "lo", "up"],
                    ["link", "add", "ds0", "type", "veth", "peer", "name", "ds1"],
                    ["addr", "add", "10.99.0.2/24", "dev", "ds1"],
                    ["link", "set", "ds0", "up"],
                    ["link", "set", "ds1", "up"]):
            run(["ip", "-n", ns] + cmd)

    def mount_tracefs(self):
        """perf mounts tracefs at /sys/kernel/tracing by itself and leaves it there; give it a private one."""
        d = tempfile.mkdtemp(prefix=self.tag + "-tracefs.")
        run(["mount", "-t", "tracefs", "nodev", d])
        self.tracefs = d
        return d

    def spawn(self, cmd, **kw):
        p = subprocess.Popen(cmd, preexec_fn=_child_signals, **kw)
        self.procs.append(p)
        return p

    def stop(self, p, sig=signal.SIGINT, timeout=60):
        if p.poll() is None:
            p.send_signal(sig)
            try:
                p.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        if p in self.procs:
            self.procs.remove(p)
        return p.returncode

    def temp_file(self, suffix, directory=None):
        fd, path = tempfile.mkstemp(prefix=self.tag + ".", suffix=suffix, dir=directory)
        os.close(fd)
        self.files.append(path)
        return path

    def close(self):
        for p in list(self.procs):
            try:
                self.stop(p, signal.SIGINT, timeout=15)
            except Exception as e:  # keep undoing the rest
                log(f"bench: cleanup: process {p.pid}: {e}")
        if self.tmux_socket:
            run(["tmux", "-L", self.tmux_socket, "kill-server"], check=False)
        for f in self.files:
            try:
                os.unlink(f)
            except FileNotFoundError:
                pass
        if self.tracefs:
            for _ in range(20):
                if run(["umount", self.tracefs], check=False).returncode == 0:
                    os.rmdir(self.tracefs)
                    self.tracefs = None
                    break
                time.sleep(0.5)
            if self.tracefs:
                log(f"bench: cleanup: could not unmount {self.tracefs}")
        if self.netns:
            run(["ip", "netns", "del", self.netns], check=False)
            self.netns = None


# ---------------------------------------------------------------- observers (data-driven)

class Observer:
    """One configuration: how to start it, when it is live, and what it saw."""
    name = label = ""

    def probe(self, s):
        """None when usable, else why not."""
        return None

    def start(self, s, gen):
        return None

    def finish(self, s, p, gen):
        return {}


class NoObserver(Observer):
    name, label = "none", "no observer"


class PerfStat(Observer):
    name, label = "perf-stat", "`perf stat -e skb:kfree_skb -a`"

    def probe(self, s):
        r = run(["perf", "stat", "-x,", "-e", "skb:kfree_skb", "-a", "true"], check=False, env=perf_env(s))
        return None if r.returncode == 0 else "perf stat failed: " + r.stderr.strip()[-200:]

    def start(self, s, gen):
        self.err = s.temp_file(".perf-stat")
        return perf_live(s, ["perf", "stat", "-x,", "-e", "skb:kfree_skb", "-a"], self.err)

    def finish(self, s, p, gen):
        s.stop(p)
        m = re.search(r"^(\d+),[^,]*,skb:kfree_skb", open(self.err).read(), re.M)
        return {"seen": int(m.group(1)) if m else None, "lost": 0}


class PerfRecord(Observer):
    name, label = "perf-record", "`perf record -e skb:kfree_skb -a`"

    def start(self, s, gen):
        self.data = s.temp_file(".perf.data", "/dev/shm")
        self.err = s.temp_file(".perf-record")
        return perf_live(s, ["perf", "record", "-q", "-e", "skb:kfree_skb", "-a", "-o", self.data], self.err)

    def finish(self, s, p, gen):
        s.stop(p)
        seen, lost = perf_data_counts(self.data)
        out = {"seen": seen, "lost": lost, "data_mb": round(os.path.getsize(self.data) / 1e6, 1)}
        os.unlink(self.data)
        return out


def perf_data_counts(path):
    """(samples, samples lost) in a perf.data file. `perf report --stats` counts LOST *records*, not the
    samples each one says were lost, so walk the data section ourselves: PERF_RECORD_SAMPLE (9),
    PERF_RECORD_LOST (2: id, lost) and PERF_RECORD_LOST_SAMPLES (13: lost)."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"PERFILE2":
        raise RuntimeError(f"{path}: not a perf.data file")
    off, size = struct.unpack_from("<QQ", data, 40)  # perf_file_header: magic, size, attr_size, attrs, data
    pos, end, samples, lost = off, off + size, 0, 0
    unpack = struct.unpack_from
    while pos + 8 <= end:
        typ, _, rsize = unpack("<IHH", data, pos)
        if rsize == 0:
            break
        if typ == 9:
            samples += 1
        elif typ == 2:
            lost += unpack("<Q", data, pos + 16)[0]
        elif typ == 13:
            lost += unpack("<Q", data, pos + 8)[0]
        pos += rsize
    return samples, lost


class Dropscope(Observer):
    """dropscope watch --format json; accounted = the summary's count for the generator's drop reason."""

    def __init__(self, name, label, args, env=None):
        self.name, self.label, self.args = name, label, args
        self.env = dict(os.environ, **env) if env else None

    def cmd(self):
        return [DROPSCOPE] + self.args + ["--format", "json"]

    def probe(self, s):
        r = run(self.cmd() + ["--duration", "1s"], check=False, timeout=120, env=self.env)
        if r.returncode == 0:
            return None
        return f"exit {r.returncode}: " + (r.stderr.strip().splitlines() or ["?"])[0]

    def start(self, s, gen):
        self.out = s.temp_file(".watch.json")
        self.err = s.temp_file(".watch.err")
        p = s.spawn(self.cmd(), stdout=open(self.out, "w"), stderr=open(self.err, "w"), env=self.env)
        wait_for_line(p, self.out, '"type":"start"', 120, self.err)
        self.read_to, self.report_times = 0, set()
        return p

    def started(self):
        """True once the watch has written drop records for two reports: the first waited for the symbol table
        (loaded on a thread of its own after the start record) and ran the report code for the first time; from
        the second on, what it costs is the steady per-interval work."""
        with open(self.out) as f:
            f.seek(self.read_to)
            chunk = f.read()
        done = chunk.rfind("\n") + 1   # whole lines only; the rest is read again next time
        self.read_to += len(chunk[:done].encode())
        for line in chunk[:done].splitlines():
            if '"type":"drops"' in line:
                m = re.search(r'"time":"([^"]*)"', line)
                if m:
                    self.report_times.add(m.group(1))
        return len(self.report_times) >= 2

    def finish(self, s, p, gen):
        rc = s.stop(p)
        summary = None
        for line in open(self.out):
            if '"type":"summary"' in line:
                summary = json.loads(line)
        if summary is None:
            raise RuntimeError(f"{self.name}: no summary (exit {rc}): {open(self.err).read().strip()[-300:]}")
        mine = sum(x["count"] for x in summary["sites"] if x.get("reason") == REASON[gen])
        return {"accounted": mine, "seen": summary["total"], "lost": summary["lost"], "exit": rc,
                "monitor": summary.get("monitor", {})}


class DropscopePacket(Dropscope):
    """dropscope watch --mode packet --format json: one JSON record per dropped packet, with its first --trunc
    bytes decoded. Its standard output is a pipe read here in large chunks (a file would grow by gigabytes):
    written = packet records of the generator's reason, lost = the summary's count of records the ring had no
    room for. Every drop is written or lost when written + lost >= the kernel's drops (lost counts the
    machine's other drops too)."""

    def start(self, s, gen):
        import threading
        self.err = s.temp_file(".watch.err")
        p = s.spawn(self.cmd(), stdout=subprocess.PIPE, stderr=open(self.err, "w"), env=self.env)
        self.live = threading.Event()
        self.counts = {"packets": 0, "mine": 0, "bytes": 0}
        self.tail = collections.deque()  # the last chunks (the summary is in the last line), not copied per read
        needle = ('"reason":"' + REASON[gen] + '"').encode()

        def read():
            # cheap per byte (this reader's CPU competes with the generator as dropscope's does): counts over
            # each chunk as read, only the partial last line carried over, the tail kept as a list of chunks
            t0 = time.thread_time()
            carry = b""
            kept = 0
            while True:
                chunk = p.stdout.read1(1 << 20)
                if not chunk:
                    break
                self.counts["bytes"] += len(chunk)
                cut = chunk.rfind(b"\n") + 1
                if cut == 0:
                    carry += chunk
                    continue
                whole = carry + chunk[:cut] if carry else chunk[:cut]
                carry = chunk[cut:]
                if not self.live.is_set() and b'"type":"start"' in whole:
                    self.live.set()
                self.counts["packets"] += whole.count(b'"type":"packet"')
                self.counts["mine"] += whole.count(needle)
                self.tail.append(whole)
                kept += len(whole)
                while kept - len(self.tail[0]) >= (1 << 20):
                    kept -= len(self.tail.popleft())
            self.counts["reader_cpu_s"] = round(time.thread_time() - t0, 3)

        self.reader = threading.Thread(target=read, daemon=True)
        self.reader.start()
        t = time.monotonic()
        while not self.live.wait(0.05):
            if p.poll() is not None or time.monotonic() - t > 120:
                raise RuntimeError(f"{self.name}: not live (exit {p.poll()}): {open(self.err).read().strip()[-300:]}")
        return p

    def started(self):
        return False  # no steady-state split: every packet is a record from the first on

    def finish(self, s, p, gen):
        rc = s.stop(p)
        self.reader.join(60)
        summary = None
        for line in b"".join(self.tail).splitlines():
            if b'"type":"summary"' in line:
                summary = json.loads(line)
        if summary is None:
            raise RuntimeError(f"{self.name}: no summary (exit {rc}): {open(self.err).read().strip()[-300:]}")
        # the summary's own sites name the reason too: only packet records count as written
        mine = self.counts["mine"] - sum(1 for x in summary["sites"] if x.get("reason") == REASON[gen])
        return {"accounted": mine, "written": mine, "packets_written": self.counts["packets"],
                "output_mb": round(self.counts["bytes"] / 1e6, 1), "seen": summary["total"],
                # the bench's own reading of the pipe: CPU the machine spends beside dropscope's
                "reader_cpu_s": self.counts.get("reader_cpu_s"),
                "lost": summary["lost"], "exit": rc, "monitor": summary.get("monitor", {})}


class DropscopePcap(DropscopePacket):
    """dropscope watch --mode packet --pcap -: the packets as pcapng on standard output, a pipe read here (the
    peer of perf record writing perf.data). written = Enhanced Packet Blocks whose comment names the generator's
    reason; lost is not known (the summary goes nowhere when standard output carries the capture)."""

    def cmd(self):
        return [DROPSCOPE] + self.args + ["--pcap", "-"]

    def probe(self, s):
        r = subprocess.run(self.cmd() + ["--duration", "1s"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                           text=True, timeout=120, env=self.env)
        return None if r.returncode == 0 else f"exit {r.returncode}: " + (r.stderr.strip().splitlines() or ["?"])[0]

    def start(self, s, gen):
        import struct
        import threading
        self.err = s.temp_file(".watch.err")
        p = s.spawn(self.cmd(), stdout=subprocess.PIPE, stderr=open(self.err, "w"), env=self.env)
        self.live = threading.Event()
        self.counts = {"packets": 0, "mine": 0, "bytes": 0}
        needle = ("reason=" + REASON[gen] + " ").encode()

        def read():
            t0 = time.thread_time()
            carry = b""
            while True:
                chunk = p.stdout.read1(1 << 20)
                if not chunk:
                    break
                self.counts["bytes"] += len(chunk)
                data = carry + chunk
                at = 0
                while len(data) - at >= 12:  # whole blocks: type, length ... length
                    btype, blen = struct.unpack_from("<II", data, at)
                    if blen < 12 or len(data) - at < blen:
                        break
                    if btype == 0x0A0D0D0A:
                        self.live.set()  # the section header: watch is past its start
                    elif btype == 6:
                        self.counts["packets"] += 1
                        if data.find(needle, at, at + blen) >= 0:
                            self.counts["mine"] += 1
                    at += blen
                carry = data[at:]
            self.counts["reader_cpu_s"] = round(time.thread_time() - t0, 3)

        self.reader = threading.Thread(target=read, daemon=True)
        self.reader.start()
        t = time.monotonic()
        while not self.live.wait(0.05):
            if p.poll() is not None or time.monotonic() - t > 120:
                raise RuntimeError(f"{self.name}: not live (exit {p.poll()}): {open(self.err).read().strip()[-300:]}")
        # the header is written when the capture opens, before the drop source: wait for the program too, known
        # live by its first packet (the machine's background drops), or at most 5 s on a machine that drops none
        t = time.monotonic()
        while self.counts["packets"] == 0 and time.monotonic() - t < 5 and p.poll() is None:
            time.sleep(0.05)
        return p

    def finish(self, s, p, gen):
        rc = s.stop(p)
        self.reader.join(60)
        mine = self.counts["mine"]
        return {"accounted": mine, "written": mine, "packets_written": self.counts["packets"],
                "output_mb": round(self.counts["bytes"] / 1e6, 1), "seen": None,
                "reader_cpu_s": self.counts.get("reader_cpu_s"), "lost": None, "exit": rc, "monitor": {}}


def wait_for_line(p, path, needle, timeout, err):
    t = time.monotonic()
    while time.monotonic() - t < timeout:
        with open(path) as f:
            if needle in f.read():
                return time.monotonic() - t
        if p.poll() is not None:
            raise RuntimeError(f"exited {p.returncode} before it was live: {open(err).read().strip()[-300:]}")
        time.sleep(0.02)
    raise RuntimeError(f"not live after {timeout} s")


def perf_live(s, cmd, err):
    """Starts perf with its events disabled (-D -1) and a control fifo, enables them and waits for perf's
    ack: only then is it counting. (A fixed sleep is not enough on a loaded machine: perf record takes
    seconds to synthesize the existing processes before it enables anything.)"""
    d = tempfile.mkdtemp(prefix=s.tag + "-perfctl.")
    ctl, ack = os.path.join(d, "ctl"), os.path.join(d, "ack")
    os.mkfifo(ctl)
    os.mkfifo(ack)
    cfd = afd = -1
    try:
        cfd = os.open(ctl, os.O_RDWR)
        afd = os.open(ack, os.O_RDWR | os.O_NONBLOCK)
        p = s.spawn(cmd[:2] + ["-D", "-1", "--control", f"fifo:{ctl},{ack}"] + cmd[2:],
                    stdout=subprocess.DEVNULL, stderr=open(err, "w"), env=perf_env(s))
        os.write(cfd, b"enable\n")
        t = time.monotonic()
        got = b""
        while b"ack" not in got:
            if p.poll() is not None:
                raise RuntimeError(f"{cmd[1]} exited {p.returncode}: {open(err).read().strip()[-300:]}")
            if time.monotonic() - t > 120:
                raise RuntimeError(f"{cmd[1]} did not acknowledge 'enable' in 120 s")
            r, _, _ = select.select([afd], [], [], 0.1)
            if r:
                got += os.read(afd, 64)
        return p
    finally:
        for fd in (cfd, afd):
            if fd >= 0:
                os.close(fd)
        shutil.rmtree(d, ignore_errors=True)


def perf_env(s):
    return dict(os.environ, PERF_TRACEFS_ENVIRONMENT=s.tracefs)


def observers():
    """The configurations, in run order. A new source is one more line here."""
    return [
        NoObserver(),
        PerfStat(),
        PerfRecord(),
        Dropscope("jna", "dropscope watch, tracepoint, JNA", ["watch", "--source", "tracepoint", "--native", "jna"]),
        Dropscope("jnr", "dropscope watch, tracepoint, jnr", ["watch", "--source", "tracepoint", "--native", "jnr"]),
        Dropscope("ebpf", "dropscope watch, eBPF", ["watch", "--source", "ebpf"]),
        Dropscope("ebpf-perf", "dropscope watch, eBPF, perf-event attach, identity", ["watch", "--source", "ebpf"],
                  {"DROPSCOPE_EBPF_ATTACH": "perf"}),
        Dropscope("ebpf-raw", "dropscope watch, eBPF, raw tracepoint, identity", ["watch", "--source", "ebpf"],
                  {"DROPSCOPE_EBPF_ATTACH": "raw"}),
        Dropscope("ebpf-noid", "dropscope watch, eBPF, perf-event attach, no identity", ["watch", "--source", "ebpf"],
                  {"DROPSCOPE_EBPF_ATTACH": "perf", "DROPSCOPE_EBPF_IDENTITY": "0"}),
        DropscopePacket("ebpf-packet", "dropscope watch, eBPF ring, packet mode, 128-byte capture",
                        ["watch", "--source", "ebpf", "--mode", "packet", "--trunc", "128"]),
        DropscopePcap("ebpf-pcap", "dropscope watch, eBPF ring, packet mode, 128-byte capture, pcapng to a pipe",
                      ["watch", "--source", "ebpf", "--mode", "packet", "--trunc", "128"]),
    ]


# ---------------------------------------------------------------- one measured run

def gen_cmd(s, gen, threads, seconds):
    cmd = [DROPGEN, gen, "-n", s.netns, "-t", str(threads), "-d", str(seconds)]
    if gen == "raw":
        cmd += ["-i", "ds0", "-P", "ds1"]
    return cmd


def one_run(s, obs, gen, threads, seconds):
    p = obs.start(s, gen)
    others = perf_event_holders({os.getpid()} | ({p.pid} if p else set()))
    try:
        c0 = proc_cpu(p.pid) if p else None
        t0 = thread_cpu(p.pid) if p else None
        m0 = machine_busy()
        g = s.spawn(gen_cmd(s, gen, threads, seconds), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        steady = None  # (monotonic time, proc_cpu) when the observer had finished starting
        if p and hasattr(obs, "started"):
            while g.poll() is None:  # dropgen prints one JSON line at its end: its pipes cannot fill meanwhile
                if steady is None and obs.started():
                    steady = (time.monotonic(), proc_cpu(p.pid))
                time.sleep(0.05)
        out, err = g.communicate()
        s.procs.remove(g)
        m1 = machine_busy()
        c1 = proc_cpu(p.pid) if p else None
        t1 = thread_cpu(p.pid) if p else None
        t_end = time.monotonic()
        if g.returncode != 0:
            raise RuntimeError(f"dropgen exit {g.returncode}: {err.strip()}")
        gj = json.loads(out.strip().splitlines()[-1])
        res = obs.finish(s, p, gen) if p else {}
    finally:
        if p and p.poll() is None:
            s.stop(p, signal.SIGKILL)
    el = gj["elapsed_s"]
    r = {"observer": obs.name, "gen": gen, "threads": threads, "seconds": seconds,
         "kernel_drops": gj["drops"], "drops_per_s": gj["drops_per_s"], "sent": gj["sent"],
         "send_errors": gj["send_errors"]}
    busy = (m1[0] - m0[0]) / max(m1[1] - m0[1], 1) * NCPU
    r["machine_busy_cores"] = round(busy, 2)
    r["other_perf_event_pids"] = others
    if c0 and c1:
        user, sys_ = c1[0] - c0[0], c1[1] - c0[1]
        r["observer_user_s"], r["observer_sys_s"] = round(user, 3), round(sys_, 3)
        r["observer_cpu_pct"] = round((user + sys_) / el * 100, 2)
        r["observer_user_pct"] = round(user / el * 100, 2)
        r["cpu_s_per_mdrop"] = round((user + sys_) / max(gj["drops"], 1) * 1e6, 4)
        if steady and steady[1] and t_end - steady[0] >= 1:
            # the same process total, from the observer's second report to the generator's end: start-up
            # (symbol table, first report, JIT warming up) is in the whole-window figures above, not here
            span = t_end - steady[0]
            r["steady_s"] = round(span, 2)
            r["observer_user_pct_steady"] = round((c1[0] - steady[1][0]) / span * 100, 2)
            r["observer_cpu_pct_steady"] = round((c1[0] + c1[1] - steady[1][0] - steady[1][1]) / span * 100, 2)
        if isinstance(obs, Dropscope):
            # threads that ended inside the window take their time with them: clamp at 0
            r["jvm_threads_s"] = {k: round(max(0.0, t1[k] - t0[k]), 3) for k in t0}
            r["app_cpu_s_per_mdrop"] = round(r["jvm_threads_s"]["app"] / max(gj["drops"], 1) * 1e6, 4)
    r.update(res)
    if r.get("accounted") is not None:
        r["accounted_ratio"] = r["accounted"] / max(gj["drops"], 1)
    elif r.get("seen") is not None:
        r["accounted_ratio"] = r["seen"] / max(gj["drops"], 1)
    return r


# ---------------------------------------------------------------- startup, TUI frame, RSS

def time_to_first_output(s):
    out, err = s.temp_file(".first.json"), s.temp_file(".first.err")
    t0 = time.monotonic()
    p = s.spawn([DROPSCOPE, "watch", "--source", "tracepoint", "--format", "json"],
                stdout=open(out, "w"), stderr=open(err, "w"))
    try:
        wait_for_line(p, out, "\n", 120, err)
        return time.monotonic() - t0
    finally:
        s.stop(p)


def time_to_first_frame(s):
    if not shutil.which("tmux"):
        return None
    s.tmux_socket = s.tag
    tmux = ["tmux", "-L", s.tmux_socket, "-f", "/dev/null"]
    t0 = time.monotonic()
    run(tmux + ["new-session", "-d", "-s", "top", "-x", "120", "-y", "40",
                f"env LANG=C.UTF-8 {DROPSCOPE} top --source tracepoint; sleep 600"])
    try:
        while time.monotonic() - t0 < 120:
            pane = run(tmux + ["capture-pane", "-p", "-t", "top"], check=False).stdout
            if "─ Findings ─" in pane and " conntrack " in pane:
                return time.monotonic() - t0
            time.sleep(0.05)
        raise RuntimeError("top never showed a full frame; the pane:\n" + pane)
    finally:
        run(tmux + ["send-keys", "-t", "top", "q"], check=False)
        time.sleep(2)
        run(tmux + ["kill-server"], check=False)
        s.tmux_socket = None


def peak_rss(s, gen, threads, seconds, source="tracepoint"):
    obs = Dropscope("jna" if source == "tracepoint" else source, "", ["watch", "--source", source])
    p = obs.start(s, gen)
    try:
        c0, t0 = proc_cpu(p.pid), thread_cpu(p.pid)
        g = s.spawn(gen_cmd(s, gen, threads, seconds), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        out, err = g.communicate()
        s.procs.remove(g)
        hwm = vm_hwm_kib(p.pid)
        c1, t1 = proc_cpu(p.pid), thread_cpu(p.pid)
        res = obs.finish(s, p, gen)
    finally:
        if p.poll() is None:
            s.stop(p, signal.SIGKILL)
    gj = json.loads(out.strip().splitlines()[-1])
    return {"gen": gen, "threads": threads, "seconds": seconds, "source": source, "vm_hwm_mib": round(hwm / 1024, 1),
            "kernel_drops": gj["drops"], "drops_per_s": gj["drops_per_s"], "accounted": res["accounted"],
            "lost": res["lost"], "accounted_ratio": res["accounted"] / max(gj["drops"], 1),
            # a long run amortizes start-up (JIT, first reports): the steady cost per drop
            "cpu_s_per_mdrop": round((c1[0] + c1[1] - c0[0] - c0[1]) / max(gj["drops"], 1) * 1e6, 4),
            "app_cpu_s_per_mdrop": round(max(0.0, t1["app"] - t0["app"]) / max(gj["drops"], 1) * 1e6, 4),
            "cpu_pct": round((c1[0] + c1[1] - c0[0] - c0[1]) / gj["elapsed_s"] * 100, 2)}


# ---------------------------------------------------------------- tables

def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def summarize(runs, configs):
    rows = []
    for gen in sorted({r["gen"] for r in runs}, key=["udp", "raw"].index):
        base = med([r["drops_per_s"] for r in runs if r["gen"] == gen and r["observer"] == "none"])
        for obs in configs:
            rs = [r for r in runs if r["gen"] == gen and r["observer"] == obs.name]
            if not rs:
                continue
            rate = med([r["drops_per_s"] for r in rs])
            rows.append({
                "gen": gen, "observer": obs.name, "label": obs.label, "runs": len(rs),
                "threads": rs[0]["threads"],
                "drops_per_s": rate,
                "drops_per_s_min": min(r["drops_per_s"] for r in rs),
                "drops_per_s_max": max(r["drops_per_s"] for r in rs),
                "slowdown_pct": None if obs.name == "none" or not base else (1 - rate / base) * 100,
                "accounted_ratio": med([r.get("accounted_ratio") for r in rs]),
                "accounted_counts": obs.name in ("jna", "jnr") or obs.name.startswith("ebpf"),
                "lost": med([r.get("lost") for r in rs]),
                "written": med([r.get("written") for r in rs]),
                "cpu_s_per_mdrop": med([r.get("cpu_s_per_mdrop") for r in rs]),
                "app_cpu_s_per_mdrop": med([r.get("app_cpu_s_per_mdrop") for r in rs]),
                "observer_cpu_pct": med([r.get("observer_cpu_pct") for r in rs]),
                "observer_user_pct": med([r.get("observer_user_pct") for r in rs]),
                "observer_cpu_pct_steady": med([r.get("observer_cpu_pct_steady") for r in rs]),
                "observer_user_pct_steady": med([r.get("observer_user_pct_steady") for r in rs]),
                "steady_s": med([r.get("steady_s") for r in rs]),
                "machine_busy_cores": med([r.get("machine_busy_cores") for r in rs]),
                "runs_with_other_tracers": sum(1 for r in rs if r.get("other_perf_event_pids")),
            })
    return rows


def fmt(v, f, none="—"):
    return none if v is None else f.format(v)


def markdown(rows, extra, note):
    if not rows:  # --startup-only: no observer table
        lines = []
    else:
        lines = table(rows)
    if extra:
        lines.append("")
        lines.append("| dropscope | value |")
        lines.append("|---|---|")
        for k, v in extra:
            lines.append(f"| {k} | {v} |")
    if note:
        lines.append("")
        lines.append(note)
    return "\n".join(lines)


def table(rows):
    lines = [f"| generator | observer | drops/s generated (min–max) | slowdown vs none | drops accounted / kernel drops "
             f"| events lost | observer CPU s per M drops (without JIT/GC threads) | observer CPU % of a core (user) "
             f"| steady state ² | runs |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        acc = fmt(r["accounted_ratio"], "{:.2%}") + ("" if r["accounted_counts"] or r["accounted_ratio"] is None else " ¹")
        lines.append(
            f"| {r['gen']} ×{r['threads']} | {r['label']} | {r['drops_per_s'] / 1e3:.0f}k "
            f"({r['drops_per_s_min'] / 1e3:.0f}k–{r['drops_per_s_max'] / 1e3:.0f}k) | "
            f"{fmt(r['slowdown_pct'], '{:.1f} %', '')} | {acc} | "
            f"{fmt(r['lost'], '{:.0f}')} | {fmt(r['cpu_s_per_mdrop'], '{:.3f}')}"
            f"{fmt(r['app_cpu_s_per_mdrop'], ' ({:.3f})', '')} | "
            f"{fmt(r['observer_cpu_pct'], '{:.1f}')} ({fmt(r['observer_user_pct'], '{:.1f}')}) | "
            f"{fmt(r['observer_cpu_pct_steady'], '{:.2f}')}{fmt(r['observer_user_pct_steady'], ' ({:.2f})', '')} | "
            f"{r['runs']} |")
    lines.append("")
    lines.append("¹ perf counts every skb:kfree_skb event on the machine, background drops included; dropscope's "
                 "column is the count it attributes to the generator's reason (NO_SOCKET for udp, IP_CSUM for raw).")
    if any(r["observer"] == "ebpf-packet" for r in rows):
        lines.append("³ packet mode (ebpf-packet): drops accounted = packet records of the generator's reason written to "
                     "the output (a JSON record each, 128 bytes captured and decoded); events lost = records the ring had "
                     "no room for (machine-wide). Every drop is written or lost when the two add up to 100 % or more.")
    if any(r["observer"] == "ebpf-pcap" for r in rows):
        lines.append("⁴ ebpf-pcap: the same capture as pcapng on a pipe (`--pcap -`, perf record's binary peer); drops "
                     "accounted = Enhanced Packet Blocks whose comment names the generator's reason; lost is not known "
                     "(the summary goes nowhere when standard output carries the capture). Both packet rows spend at "
                     "most 2 ms per 10 ms drain (DROPSCOPE_RING_BUDGET_US): above that rate the ring fills and the "
                     "kernel counts the rest lost.")
    lines.append("² dropscope only: observer CPU % of a core (user) from its second report with drops (symbol table loaded, first "
                 "report written) to the generator's end, median " + fmt(med([r.get("steady_s") for r in rows]), "{:.1f}")
                 + " s of each run. The CPU % column before it is the whole generator window, start-up costs included.")
    return lines


# ---------------------------------------------------------------- main

def ensure_tools(need_tmux, need_node_exporter=False):
    missing = [pkg for tool, pkg in (("perf", "linux-perf"), ("tmux", "tmux"),
                                     ("prometheus-node-exporter", "prometheus-node-exporter"))
               if (tool != "tmux" or need_tmux) and (tool != "prometheus-node-exporter" or need_node_exporter)
               and not shutil.which(tool)]
    if missing:
        log(f"bench: installing {' '.join(missing)} with apt-get")
        run(["apt-get", "install", "-y", "-q"] + missing, timeout=600)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=3, help="rounds; each runs every configuration once (default 3)")
    ap.add_argument("--seconds", type=float, default=10, help="generator seconds per run (default 10)")
    ap.add_argument("--threads", type=int, default=2, help="generator threads (default 2: the machine's full rate)")
    ap.add_argument("--gens", default="udp,raw", help="generator modes (default udp,raw)")
    ap.add_argument("--only", default="", help="comma list of observers to run (default: all usable)")
    ap.add_argument("--startup-runs", type=int, default=3, help="time-to-first-output/frame samples (0: skip)")
    ap.add_argument("--startup-only", action="store_true",
                    help="only the start-up samples: no observer runs, no RSS run (e.g. --startup-only --startup-runs 5)")
    ap.add_argument("--rss-seconds", type=float, default=60, help="seconds at full rate before reading VmHWM (0: skip)")
    ap.add_argument("--rss-source", default="tracepoint", choices=["tracepoint", "ebpf"],
                    help="watch's drop source for the RSS run (default tracepoint: its perf rings count in RSS)")
    ap.add_argument("--serve-scrapes", type=int, default=60,
                    help="serve row: scrapes at 1/s after 8 s warm-up and 20 s unscraped, dropscope serve and "
                         "node_exporter one after the other (0: skip)")
    ap.add_argument("--quiet-wait", type=float, default=0,
                    help="before each run wait up to this many seconds for the machine to be < 10%% busy")
    ap.add_argument("--note", default="", help="a line printed under the table (e.g. 'busy machine')")
    a = ap.parse_args()
    if a.startup_only:
        a.runs, a.rss_seconds, a.serve_scrapes = 0, 0, 0
    if os.geteuid() != 0:
        log("bench: needs root (network namespace, perf -a, tracepoint)")
        return 4
    for f in (DROPGEN, os.path.join(ROOT, "target", "dropscope.jar")):
        if not os.path.exists(f):
            log(f"bench: {f} missing: run 'make build' first")
            return 1
    gens = [g for g in a.gens.split(",") if g]
    if any(g not in REASON for g in gens):
        log("bench: --gens takes udp and/or raw")
        return 2
    ensure_tools(a.startup_runs > 0, a.serve_scrapes > 0)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even if started with SIGINT ignored
    signal.signal(signal.SIGTERM, _on_term)
    signal.signal(signal.SIGHUP, _on_term)
    started = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    os.makedirs(RESULTS, exist_ok=True)
    path = os.path.join(RESULTS, f"bench-{started}.json")
    result = {"started": started, "kernel": platform.release(), "cpus": NCPU, "args": vars(a),
              "git": run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], check=False).stdout.strip(),
              "skipped": {}, "runs": [], "startup": {}, "rss": None, "complete": False}
    s = Session()
    configs = []
    code = 0
    try:
        s.make_netns()
        s.mount_tracefs()
        only = set(x for x in a.only.split(",") if x)
        for obs in ([] if a.startup_only else observers()):
            if only and obs.name not in only:
                continue
            why = obs.probe(s)
            if why:
                log(f"bench: skipping {obs.name}: {why}")
                result["skipped"][obs.name] = why
            else:
                configs.append(obs)
        total = a.runs * len(gens) * len(configs)
        n = 0
        for rnd in range(a.runs):
            order = configs[rnd % len(configs):] + configs[:rnd % len(configs)]  # rotate: no fixed position
            for gen in gens:
                for obs in order:
                    n += 1
                    if a.quiet_wait:
                        t = time.monotonic()
                        while time.monotonic() - t < a.quiet_wait:
                            b0 = machine_busy()
                            time.sleep(1)
                            b1 = machine_busy()
                            if (b1[0] - b0[0]) / max(b1[1] - b0[1], 1) < 0.10:
                                break
                    log(f"bench: [{n}/{total}] round {rnd + 1} {gen} x{a.threads} {obs.name}")
                    r = one_run(s, obs, gen, a.threads, a.seconds)
                    r["round"] = rnd
                    result["runs"].append(r)
                    log("bench:   " + json.dumps({k: r.get(k) for k in (
                        "drops_per_s", "kernel_drops", "accounted_ratio", "lost", "cpu_s_per_mdrop", "jvm_threads_s",
                        "observer_user_pct", "observer_user_pct_steady", "machine_busy_cores")}))
        for i in range(a.startup_runs):
            log(f"bench: startup sample {i + 1}/{a.startup_runs}")
            result["startup"].setdefault("first_output_s", []).append(round(time_to_first_output(s), 3))
            ff = time_to_first_frame(s)
            if ff is not None:
                result["startup"].setdefault("first_frame_s", []).append(round(ff, 3))
        if a.rss_seconds > 0:
            gen = "raw" if "raw" in gens else gens[0]
            log(f"bench: peak RSS of watch after {a.rss_seconds:g} s of {gen} x{a.threads}")
            result["rss"] = peak_rss(s, gen, a.threads, a.rss_seconds, a.rss_source)
        if a.serve_scrapes > 0:
            log(f"bench: serve footprint: {a.serve_scrapes} scrapes at 1/s, dropscope serve then node_exporter")
            result["serve"] = serve_footprint.serve_row(warmup=8, scrapes=a.serve_scrapes, idle=20)
        result["complete"] = True
    except (KeyboardInterrupt, Interrupted) as e:
        log(f"bench: interrupted ({str(e) or 'SIGINT'}); cleaning up, keeping the {len(result['runs'])} runs measured")
        code = 130
    except Exception as e:
        log(f"bench: error: {e}")
        code = 1
    finally:
        s.close()
    result["rows"] = summarize(result["runs"], configs)
    extra = []
    st = result["startup"]
    if st.get("first_output_s"):
        extra.append(("time to first output (`watch --format json`), median", f"{med(st['first_output_s']):.2f} s "
                      f"(of {len(st['first_output_s'])}: {', '.join(map(str, st['first_output_s']))})"))
    if st.get("first_frame_s"):
        extra.append(("time to first full TUI frame (`top`, tmux 120x40), median", f"{med(st['first_frame_s']):.2f} s "
                      f"(of {len(st['first_frame_s'])}: {', '.join(map(str, st['first_frame_s']))})"))
    if result["rss"]:
        rs = result["rss"]
        extra.append((f"peak RSS (VmHWM) of watch after {rs['seconds']:g} s of {rs['gen']} ×{rs['threads']} "
                      f"({rs['drops_per_s'] / 1e3:.0f}k drops/s, {rs.get('source', 'tracepoint')} source)",
                      f"{rs['vm_hwm_mib']} MiB; accounted {rs['accounted_ratio']:.2%}, lost {rs['lost']}; "
                      f"CPU {rs['cpu_s_per_mdrop']:.3f} s per M drops ({rs['app_cpu_s_per_mdrop']:.3f} without JIT/GC "
                      f"threads), {rs['cpu_pct']:.1f} % of a core"))
    note = (f"`make bench` ({a.runs} rounds × {a.seconds:g} s, generator ×{a.threads}, {NCPU} CPUs, kernel "
            f"{platform.release()}, dropscope {result['git']}, {started}). Medians of the runs.")
    shared = sum(1 for r in result["runs"] if r.get("other_perf_event_pids"))
    if shared:
        note += (f" In {shared} of {len(result['runs'])} runs another process held perf events (another tracer on "
                 f"the machine: its kernel cost is in those runs).")
    if a.note:
        note += " " + a.note
    if result["skipped"]:
        note += " Not run: " + "; ".join(f"{k} ({v})" for k, v in result["skipped"].items()) + "."
    result["markdown"] = markdown(result["rows"], extra, note)
    if result.get("serve"):
        result["markdown"] += ("\n\nserve footprint (`serve --interval 5s`, default source; 8 s warm-up, 20 s unscraped, "
                               f"{a.serve_scrapes} scrapes at 1/s with Accept-Encoding: gzip; node_exporter with its "
                               "default collectors, same procedure, right after):\n\n"
                               + "\n".join(serve_footprint.table(result["serve"])))
    with open(path, "w") as f:
        json.dump(result, f, indent=1)
    print(result["markdown"])
    log(f"bench: wrote {os.path.relpath(path, ROOT)}")
    return code


if __name__ == "__main__":
    sys.exit(main())
