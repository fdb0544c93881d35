#!/bin/bash
# Runs inside ../shared/lab/netdm-vm, whose kernel has NET_DM, for NetDmLabTest.
# Usage: netdm-watch.sh JAVA CLASSPATH
# Prints "CHECK name value" lines the test asserts on, and after "== name" the output behind them.
# Under emulation a JVM or python3 takes seconds to start: senders start early and wait for their cue,
# and each run that START-s NET_DM successfully proves the run before it stopped it (else EAGAIN).
set -u
J=$1
CP=$2
T=$(mktemp -d)
JVM=("$J" -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -cp "$CP" dev.dropscope.cli.Main)
# every run is bounded: a hang shows as a thread dump and exit 137, never as a lab that runs out of time
ds() { timeout -s QUIT -k 10 300 "${JVM[@]}" "$@"; }
step() { echo "STEP $* at $(cut -d' ' -f1 /proc/uptime)s" >&2; }
# waits up to $2 s for background pid $1; then a thread dump (SIGQUIT) and SIGKILL. Sets REAPED to the
# exit status (not echoed: in a $(...) subshell `wait` cannot collect a child of this shell)
reap() {
    for _ in $(seq 1 "$2"); do kill -0 "$1" 2>/dev/null || break; sleep 1; done
    if kill -0 "$1" 2>/dev/null; then echo "STUCK: pid $1 after $2 s, thread dump follows" >&2; kill -QUIT "$1"; sleep 3; kill -KILL "$1"; fi
    wait "$1"; REAPED=$?
}
# Udp NoPorts: the value line after the "Udp:" header line, third column
noports() { awk '$1 == "Udp:" { if (seen) { print $3; exit } seen = 1 }' /proc/net/snmp; }
# sends N datagrams to a closed port as soon as FILE contains PATTERN (started before the JVM)
send_when() { python3 -c 'import socket, sys, time
f, pattern, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
for _ in range(6000):
    try:
        if pattern in open(f).read():
            break
    except OSError:
        pass
    time.sleep(0.1)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for _ in range(n):
    s.sendto(b"x", ("127.0.0.1", 9))' "$@"; }
wait_for() { for _ in $(seq 1 600); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.5; done; echo "timeout waiting for $2 in $1" >&2; return 1; }
check() { echo "CHECK $1 $2"; }
show() { echo "== $1"; cat "$2"; }
# a process with the default SIGINT disposition (a script's background job would ignore it). exec: run as
# `spawn ... &`, the background subshell must become the JVM, or $! names a shell that never passes SIGINT on
spawn() { exec python3 -c 'import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execvp(sys.argv[1], sys.argv[1:])' "$@"; }

step 1 summary
# 1. summary mode: every NO_SOCKET drop is counted at __udp4_lib_rcv
before=$(noports)
send_when "$T/summary.json" '"type":"start"' 200 &
sender=$!
ds watch --source netdm --format json --duration 25s > "$T/summary.json" 2> "$T/summary.err"
check summary_exit $?
wait $sender
check summary_kernel $(( $(noports) - before ))
check summary_counted "$(python3 -c 'import json, sys
n = 0
for l in open(sys.argv[1]):
    o = json.loads(l)
    if o["type"] == "summary":
        n = sum(s["count"] for s in o["sites"] if s["symbol"] == "__udp4_lib_rcv")
print(n)' "$T/summary.json")"
show summary "$T/summary.json"; show summary.err "$T/summary.err"

step 2 packet
# 2. packet mode: one record per datagram, with reason, interface and the 5-tuple (exit 0 = run 1 stopped)
before=$(noports)
send_when "$T/packet.json" '"type":"start"' 50 &
sender=$!
ds watch --source netdm --mode packet --trunc 96 --format json --duration 25s > "$T/packet.json" 2> "$T/packet.err"
check packet_exit $?
wait $sender
check packet_kernel $(( $(noports) - before ))
check packet_counted "$(python3 -c 'import json, sys
n = 0
for l in open(sys.argv[1]):
    o = json.loads(l)
    if o["type"] == "packet" and o["symbol"] == "__udp4_lib_rcv" and o["reason"] == "NO_SOCKET" \
            and o["dport"] == 9 and o["dst"] == "127.0.0.1" and o["l4"] == "udp" and o["interface"] == "lo":
        n += 1
print(n)' "$T/packet.json")"
grep -v '"type":"packet"' "$T/packet.json" > "$T/packet.rest"
show packet "$T/packet.rest"; show packet.err "$T/packet.err"

step 2b queue1
# 2b. packet mode with a one-packet per-CPU queue: a burst overflows it, the kernel counts tail drops
#     (STATS_GET), and watch reports them as lost; every drop is either a packet record or lost, also the
#     alerts still queued on watch's socket when --duration ends (drained after STOP)
before=$(noports)
send_when "$T/queue1.json" '"type":"start"' 2000 &
sender=$!
ds watch --source netdm --mode packet --queue 1 --trunc 64 --format json --duration 25s > "$T/queue1.json" 2> "$T/queue1.err"
check queue1_exit $?
wait $sender
check queue1_kernel $(( $(noports) - before ))
python3 -c 'import json, sys
packets = lost_lines = 0
summary = None
for l in open(sys.argv[1]):
    o = json.loads(l)
    if o["type"] == "packet" and o["reason"] == "NO_SOCKET" and o["dport"] == 9:
        packets += 1
    elif o["type"] == "lost":
        lost_lines += o["count"]
    elif o["type"] == "summary":
        summary = o
print("CHECK queue1_packets", packets)
print("CHECK queue1_lost_lines", lost_lines)
print("CHECK queue1_total", summary["total"] if summary else -1)
print("CHECK queue1_lost", summary["lost"] if summary else -1)
m = summary["monitor"] if summary else {}
print("CHECK queue1_monitor", " ".join(k + "=" + str(m[k]) for k in sorted(m)))
print("CHECK queue1_accounted", packets + (summary["lost"] if summary else 0))' "$T/queue1.json"
grep -v '"type":"packet"' "$T/queue1.json" > "$T/queue1.rest"
show queue1 "$T/queue1.rest"; show queue1.err "$T/queue1.err"

step 2c stalled
# 2c. the reader is far behind when --duration ends: the JVM is stopped (SIGSTOP) through a burst and past
#     its duration; on SIGCONT watch STOPs NET_DM and drains the alerts queued on its socket into the summary
before=$(noports)
send_when "$T/stall.cue" go 500 &
sender=$!
ds watch --source netdm --mode packet --trunc 64 --format json --duration 10s > "$T/stall.json" 2> "$T/stall.err" &
tpid=$!
wait_for "$T/stall.json" '"type":"start"'
jpid=
for p in $(pgrep -P "$tpid") $(pgrep -P "$(pgrep -P "$tpid" | head -1)"); do   # $tpid -> [timeout ->] java
    [ "$(cat "/proc/$p/comm" 2>/dev/null)" = java ] && jpid=$p
done
[ -n "$jpid" ] || echo "no java process under $tpid" >&2
kill -STOP "$jpid"
echo go > "$T/stall.cue"
wait $sender
sleep 12
kill -CONT "$jpid"
wait "$tpid"; check stall_exit $?
check stall_kernel $(( $(noports) - before ))
python3 -c 'import json, sys
packets = 0
summary = None
for l in open(sys.argv[1]):
    o = json.loads(l)
    if o["type"] == "packet" and o["reason"] == "NO_SOCKET" and o["dport"] == 9:
        packets += 1
    elif o["type"] == "summary":
        summary = o
m = summary["monitor"] if summary else {}
print("CHECK stall_packets", packets)
print("CHECK stall_accounted", packets + (summary["lost"] if summary else 0))
print("CHECK stall_monitor", " ".join(k + "=" + str(m[k]) for k in sorted(m)))' "$T/stall.json"
grep -v '"type":"packet"' "$T/stall.json" > "$T/stall.rest"
show stall "$T/stall.rest"; show stall.err "$T/stall.err"

# 3. Ctrl-C in packet mode: summary printed, exit 130 (NET_DM off and its configuration restored: runs 4, 7)
step 3 sigint
spawn "${JVM[@]}" watch --source netdm --mode packet > "$T/int.txt" 2>&1 &
pid=$!
if wait_for "$T/int.txt" 'dropscope watch: netdm source'; then step 3 header seen; kill -INT $pid; fi
reap $pid 90; check sigint_exit $REAPED
step 3 done
check sigint_summary "$(grep -c '^summary: ' "$T/int.txt")"
show sigint "$T/int.txt"

# 4. a stale session: a monitor killed with SIGKILL leaves NET_DM on (this START succeeding = run 3 stopped)
step 4 stale
"${JVM[@]}" watch --source netdm --format json > "$T/stale.json" 2>&1 &
pid=$!
wait_for "$T/stale.json" '"type":"start"'; kill -KILL $pid
wait $pid 2>/dev/null
check stale_started "$(grep -c '"type":"start"' "$T/stale.json")"
# 5. refused with an explanation, then --passive (changes nothing), then --takeover
ds watch --source netdm --duration 1s > "$T/refused.txt" 2>&1; check stale_refused_exit $?
check stale_refused_hint "$(grep -c -- '--takeover' "$T/refused.txt")"
show refused "$T/refused.txt"
ds watch --source netdm --passive --duration 2s > "$T/passive.txt" 2>&1; check passive_exit $?
show passive "$T/passive.txt"
ds watch --source netdm --takeover --duration 1s > "$T/takeover.txt" 2>&1; check takeover_exit $?
show takeover "$T/takeover.txt"

step 6 repl
# 6. the dropwatch language: the configuration is as it was before runs 2-3 changed it; `set` changes it
#    for the session, stats answers, and exit puts it back
printf 'show\nset alertmode packet\nset trunc 64\nset queue 16\nshow\nstats\nexit\n' | ds dropwatch > "$T/repl.txt" 2>&1
check repl_exit $?
check repl_show "$(grep -E '^(Alert mode|Truncation length|Queue length):' "$T/repl.txt" | tr '\n' ';')"
check repl_stats "$(grep -c '^Tail dropped: ' "$T/repl.txt")"
show repl "$T/repl.txt"

step 7 final
# 7. last: NET_DM is off (START accepted after the takeover run) and the configuration is the default again
printf 'show\nexit\n' | ds dropwatch > "$T/final.txt" 2>&1
check final_config "$(grep -E '^(Alert mode|Truncation length|Queue length):' "$T/final.txt" | tr '\n' ';')"
ds watch --source netdm --duration 1s > "$T/off.txt" 2>&1; check final_start_exit $?
show final "$T/off.txt"
rm -rf "$T"
