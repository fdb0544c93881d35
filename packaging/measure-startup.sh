#!/usr/bin/env bash
# Startup figures for the README: wall time to the first full `top` frame in a 120x40 tmux pane (all five
# pane titles drawn), and wall time of `--help` and `doctor`. Usage: measure-startup.sh LAUNCHER [RUNS]
# Needs tmux; `top` needs root (or the capabilities doctor names). Numbers depend on a quiet machine.
set -euo pipefail
launcher=$1
runs=${2:-3}
sess=dropscope-startup-$$
now() { date +%s%N; }
ms() { echo $(( ($2 - $1) / 1000000 )); }

trap 'tmux kill-session -t "$sess" 2>/dev/null || true' EXIT
for i in $(seq "$runs"); do
    t0=$(now)
    tmux new-session -d -s "$sess" -x 120 -y 40 "$launcher top"
    frame=timeout
    while (( $(now) - t0 < 15000000000 )); do
        screen=$(tmux capture-pane -p -t "$sess" 2>/dev/null || true)
        if grep -q 'Drop sites' <<<"$screen" && grep -q 'Interfaces' <<<"$screen" \
            && grep -q 'System' <<<"$screen" && grep -q 'Findings' <<<"$screen"; then
            frame=$(ms "$t0" "$(now)"); break
        fi
        sleep 0.01
    done
    tmux send-keys -t "$sess" q
    for _ in $(seq 100); do tmux has-session -t "$sess" 2>/dev/null || break; sleep 0.05; done
    tmux kill-session -t "$sess" 2>/dev/null || true
    t0=$(now); "$launcher" --help >/dev/null; help=$(ms "$t0" "$(now)")
    t0=$(now); "$launcher" doctor >/dev/null || true; doctor=$(ms "$t0" "$(now)")
    echo "run $i: first top frame ${frame} ms, --help ${help} ms, doctor ${doctor} ms"
done
