#!/usr/bin/env bash
# Side-by-side benchmark: builds formation (Release, Native AOT) and runs the peers harness
# (../shared/peers) on W1-W5 against formation and every installed peer, then writes
# bench/results/<date>-peers.md: the ratios against the best peer, the resource figures
# (bench/resources.py) and the harness's own summary.
#
#   bench/run.sh                 # 3 repetitions (REPS=5 bench/run.sh for more)
#   bench/run.sh --setup         # first install the peers (../shared/peers/setup.sh: apt, npm)
#   PEERS=formation,foreman bench/run.sh
#   FORMATION_BEFORE_CMD=/tmp/main/formation PEERS=formation,formation-before,goreman bench/run.sh
#                                (then python3 bench/compare.py on the run for the before/after tables)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
peers_src=${PEERS_DIR:-$root/../shared/peers}
reps=${REPS:-3}
peers=${PEERS:-formation,foreman,node-foreman,supervisord,honcho,goreman}
[ -d "$peers_src" ] || { echo "bench: no peers harness at $peers_src (set PEERS_DIR)" >&2; exit 1; }

echo "bench: building formation (Release, Native AOT)"
dotnet publish "$root/src/Formation.Cli" -c Release -r linux-x64 -p:PublishAot=true -o "$root/out/aot" >/dev/null
formation="$root/out/aot/formation"
"$formation" --version

# The shared harness is read-only and writes results beside itself: run a copy.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$peers_src" "$work/peers"
chmod -R u+w "$work/peers"
# Earlier builds as peers of their own (FORMATION_BEFORE_CMD, FORMATION_JIT_CMD, ...: bench/peers_extra.py).
cat "$root/bench/peers_extra.py" >> "$work/peers/adapters.py"
# setup.sh installs node-foreman under ./node beside itself: reuse an earlier install if there is one.
[ -d "$root/out/peers-node" ] && cp -r "$root/out/peers-node" "$work/peers/node"
if [ "${1:-}" = "--setup" ]; then
  (cd "$work/peers" && ./setup.sh)
  rm -rf "$root/out/peers-node" && cp -r "$work/peers/node" "$root/out/peers-node"
fi

FORMATION_CMD="$formation" "$work/peers/run.sh" --peers "$peers" --reps "$reps"
results=$(ls -d "$work"/peers/results/*/ | tail -n 1)

date=$(date +%F)
report="$root/bench/results/$date-peers.md"
python3 "$root/bench/report.py" "$results" "$("$formation" --version)" > "$report"
python3 "$root/bench/resources.py" "$formation" >> "$report"
{ echo; echo "## The harness's summary"; echo; sed '1d' "$results/summary.md"; } >> "$report"
echo "bench: wrote $report"
