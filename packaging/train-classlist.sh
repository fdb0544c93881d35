#!/usr/bin/env bash
# Writes the class list a CDS archive is dumped from: the classes that `--help`, `doctor` and the first frames
# of `top` load, plus a short `watch --format json` and `snapshot` (top runs in a detached tmux pane when tmux is here; without root it stops early, and the list
# is shorter). Usage: train-classlist.sh JAR OUT.lst. The list names classes, so any JVM can dump from it.
set -euo pipefail
jar=$(readlink -f "$1")
out=$2
java=$(DROPSCOPE_JAR="$jar" DROPSCOPE_PRINT_JAVA=1 "$(dirname "$0")/dropscope")
work=$(mktemp -d)
sess=dropscope-train-$$
trap 'tmux kill-session -t "$sess" 2>/dev/null || true; rm -rf "$work"' EXIT

"$java" -XX:DumpLoadedClassList="$work/help.lst" -jar "$jar" --help >/dev/null
"$java" -XX:DumpLoadedClassList="$work/doctor.lst" -jar "$jar" doctor >/dev/null 2>&1 || true
# watch and snapshot load Jackson and the drop-source classes that top's first frames may not reach
"$java" -XX:DumpLoadedClassList="$work/watch.lst" -jar "$jar" watch --format json --duration 1s >/dev/null 2>&1 || true
"$java" -XX:DumpLoadedClassList="$work/snapshot.lst" -jar "$jar" snapshot --duration 200ms >/dev/null 2>&1 || true
if command -v tmux >/dev/null; then
    tmux new-session -d -s "$sess" -x 120 -y 40 \
        "'$java' -XX:DumpLoadedClassList='$work/top.lst' -jar '$jar' top --interval 500ms"
    for _ in $(seq 300); do   # up to 30 s: a few refreshes, so the per-frame classes are in too
        tmux has-session -t "$sess" 2>/dev/null || break
        if tmux capture-pane -p -t "$sess" | grep -q Findings; then sleep 1.5; break; fi
        sleep 0.1
    done
    tmux send-keys -t "$sess" q 2>/dev/null || true
    for _ in $(seq 100); do tmux has-session -t "$sess" 2>/dev/null || break; sleep 0.1; done
fi
# one class per line; the @lambda lines are independent too, so the union is a valid list
cat "$work"/*.lst | awk '!seen[$0]++' > "$out"
echo "class list: $(grep -c . "$out") entries ($(grep -c '^dev/dropscope/' "$out") dropscope classes) -> $out"
