#!/bin/bash
# Runs inside test/vm/netdm-vm, whose kernel has NET_DM, for NetDmLabTest and DoctorLabTest (one boot).
# Usage: netdm-watch.sh JAVA CLASSPATH OUTDIR
# Prints "CHECK name value" lines the tests assert on, and after "== name" the output behind them; doctor's
# JSON goes to OUTDIR/doctor.json.
# Under emulation every JVM start costs tens of seconds, so four JVMs do it all, in this order: the stalled
# reader (SIGSTOP/SIGCONT) and Ctrl-C (SIGINT) as their own processes; then NetDmLabGuest runs the commands
# that need no outside signal in-process (first: doctor, summary, packet, --queue 1, and a watch left
# running, whose JVM the script kills with SIGKILL: the stale session; last: refused, --passive,
# --takeover, the dropwatch language, the final state). Each run that START-s NET_DM successfully proves
# the run before it stopped it (else EAGAIN). Drops: datagrams to 127.0.0.1:9,
# sent by the JVM or by bash's /dev/udp (no extra process to start).
set -u
J=$1
CP=$2
T=$3
mkdir -p "$T"
JAVA=("$J" -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:-UsePerfData -cp "$CP")
JVM=("${JAVA[@]}" dev.dropscope.cli.Main)
step() { echo "STEP $* at $(cut -d' ' -f1 /proc/uptime)s" >&2; }
# spawn OUT ERR|- COMMAND...: a bounded run in the background (300 s, then a thread dump and SIGKILL), PID =
# its `timeout`. A script's background job starts with SIGINT ignored, and a JVM started so installs no
# handler for it; timeout catches SIGINT, so the JVM it execs has it at its default, as from a terminal.
spawn() {
    local out=$1 err=$2; shift 2
    if [ "$err" = - ]; then timeout -s QUIT -k 10 300 "$@" >"$out" 2>&1 & else timeout -s QUIT -k 10 300 "$@" >"$out" 2>"$err" & fi
    PID=$!
}
# waits up to $2 s for background pid $1; then a thread dump (SIGQUIT) and SIGKILL; REAPED = its status
reap() {
    for _ in $(seq 1 "$2"); do kill -0 "$1" 2>/dev/null || break; sleep 1; done
    if kill -0 "$1" 2>/dev/null; then echo "STUCK: pid $1 after $2 s, thread dump follows" >&2; kill -QUIT "$1"; sleep 3; kill -KILL "$1"; fi
    wait "$1"; REAPED=$?
}
noports() { awk '$1 == "Udp:" { if (seen) { print $3; exit } seen = 1 }' /proc/net/snmp; }
udp() { local i; for ((i = 0; i < $1; i++)); do printf x >/dev/udp/127.0.0.1/9; done 2>/dev/null; }
wait_for() { for _ in $(seq 1 600); do grep -q -- "$2" "$1" 2>/dev/null && return 0; sleep 0.5; done; echo "timeout waiting for $2 in $1" >&2; return 1; }
check() { echo "CHECK $1 $2"; }
show() { echo "== $1"; cat "$2"; }
java_of() {  # the java process under `timeout` (pid $1)
    local p
    for p in $(pgrep -P "$1") "$1"; do [ "$(cat "/proc/$p/comm" 2>/dev/null)" = java ] && { echo "$p"; return; }; done
}

# 2c. the reader is far behind when --duration ends: the JVM is stopped (SIGSTOP) through a burst and past
#     its duration; on SIGCONT watch STOPs NET_DM and drains the alerts queued on its socket into the summary
step 2c stalled
before=$(noports)
spawn "$T/stall.json" "$T/stall.err" "${JVM[@]}" watch --source netdm --mode packet --trunc 64 --format json --duration 10s
tpid=$PID
wait_for "$T/stall.json" '"type":"start"'
jpid=$(java_of "$tpid")
[ -n "$jpid" ] || echo "no java process under $tpid" >&2
kill -STOP "$jpid"
udp 500
sleep 12
kill -CONT "$jpid"
reap "$tpid" 300; check stall_exit "$REAPED"
check stall_kernel $(( $(noports) - before ))
show stall.err "$T/stall.err"

# 3. Ctrl-C in packet mode: summary printed, exit 130 (NET_DM off and configured as before: the next START
#    and the final dropwatch show)
step 3 sigint
spawn "$T/int.txt" - "${JVM[@]}" watch --source netdm --mode packet
pid=$PID
if wait_for "$T/int.txt" 'dropscope watch: netdm source'; then step 3 header seen; kill -INT "$(java_of "$pid")"; fi
reap "$pid" 90; check sigint_exit "$REAPED"
check sigint_summary "$(grep -c '^summary: ' "$T/int.txt")"
show sigint "$T/int.txt"

# 0-2b, 4. doctor, summary (its START accepted = Ctrl-C stopped NET_DM), packet, --queue 1, then the stale
#    session: one JVM, killed with SIGKILL once its last watch is live (exit 137)
step first
timeout -s QUIT -k 10 900 "${JAVA[@]}" dev.dropscope.cli.NetDmLabGuest first "$T" &
tpid=$!
while kill -0 "$tpid" 2>/dev/null && [ ! -e "$T/stale.live" ]; do sleep 1; done
[ -e "$T/stale.live" ] && kill -KILL "$(java_of "$tpid")"
wait "$tpid"; check first_exit $?

# 5-7 and the stalled run's analysis: one JVM
step last
timeout -s QUIT -k 10 900 "${JAVA[@]}" dev.dropscope.cli.NetDmLabGuest last "$T"
check last_exit $?
step done
