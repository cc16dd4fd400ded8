#!/usr/bin/env bash
# CI smoke test: what a new user does first, on a clean clone of the committed tree.
#  1. The working tree holds no ignored file under examples/, tests/ or the root that the README, the
#     tests or the example use: a fresh clone would lack it.
#  2. The README's first command (taken from README.md) runs the example: the release task exits 0,
#     web becomes ready, two workers start and one handles a job the clock enqueued. Then SIGINT goes to
#     the command's process group, as Ctrl+C in a terminal does: the exit code must be 0 and no process
#     may be left (found by a marker variable in /proc/*/environ and by the process group).
# No stdin needed; every wait is bounded. Exits non-zero on any deviation and says which.
# Usage: .ci/smoke.sh [--files-only]   (--files-only: check 1 alone, in a second)
set -uo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_CLI_WORKLOAD_UPDATE_NOTIFY_DISABLE=1

ready_within=${SMOKE_READY_TIMEOUT:-90}   # seconds from the command's start to a handled job
exit_within=${SMOKE_EXIT_TIMEOUT:-20}     # seconds from SIGINT to the exit
build_within=${SMOKE_BUILD_TIMEOUT:-600}
failures=0
started=$SECONDS

pass() { echo "smoke: ok   $*"; }
fail() { echo "smoke: FAIL $*" >&2; failures=$((failures + 1)); }

# --- 1. Files a fresh clone would lack -------------------------------------------------------------
# Ignored files under examples/ and tests/ (build outputs aside) and at the root, that a tracked file names.
missing=0
while IFS= read -r path; do
  case "$path" in
    tests/*/bin/* | tests/*/obj/* | */TestResults/* | examples/tmp/*) continue ;;   # build and run outputs
    examples/* | tests/*) key=${path#*/} ;;
    */*) continue ;;                                                                # src/, out/, bench/ ...
    *) key=$path ;;                                                                 # a file at the root
  esac
  # A reference spells the path relative to its own directory: bin/web, Pester/data.json.
  case "$key" in */*/*) key=${key#"${key%/*/*}/"} ;; esac
  users=$(git grep -lF -e "$key" -- README.md tests examples .ci 2>/dev/null | tr '\n' ' ')
  if [ -n "$users" ]; then
    fail "$path is ignored by git (a fresh clone lacks it) but named in: $users"
    missing=$((missing + 1))
  fi
done < <(git ls-files -o -i --exclude-standard -- examples tests ':(glob)*')
[ "$missing" -eq 0 ] && pass "no ignored file under examples/, tests/ or the root is used by the README, the tests or the example"

for script in examples/bin/*; do
  mode=$(git ls-files -s -- "$script" | cut -d' ' -f1)
  if [ -z "$mode" ]; then fail "$script is not committed"
  elif [ "$mode" != 100755 ]; then fail "$script is committed without its executable bit (mode $mode)"; fi
done

if [ "${1:-}" = --files-only ]; then
  [ "$failures" -eq 0 ] && echo "smoke: passed (files only)" && exit 0
  exit 1
fi

# --- 2. The README's first command on a clean clone -----------------------------------------------
command=$(grep -m1 -E '^dotnet run --project src/Formation\.Cli .* start ' README.md)
if [ -z "$command" ]; then
  fail "README.md has no 'dotnet run --project src/Formation.Cli ... start' command"
  exit 1
fi

work=$(mktemp -d)
out=$work/out.log
# A private control directory: the smoke test neither sees nor collides with the user's own formations (the
# README's first command, running in another terminal, has the same name).
export XDG_RUNTIME_DIR=$work/run
mkdir -m 700 "$XDG_RUNTIME_DIR"
token="formation-smoke-$$-$RANDOM$RANDOM"
pgid=
cleanup() {
  # Leave nothing behind, whatever happened: the command's group, then anything with the marker.
  [ -n "$pgid" ] && kill -KILL -- "-$pgid" 2>/dev/null
  for env in /proc/[0-9]*/environ; do
    grep -qaF "FORMATION_SMOKE=$token" "$env" 2>/dev/null && kill -KILL "$(basename "$(dirname "$env")")" 2>/dev/null
  done
  rm -rf "$work"
}
trap cleanup EXIT

if ! timeout 120 git clone -q --no-hardlinks "$repo" "$work/clone"; then fail "git clone of $repo"; exit 1; fi
cd "$work/clone" || exit 1
echo "smoke: clean clone of $(git rev-parse --short HEAD) in $work/clone"

# Build first, so that the bounds below measure the formation, not the compiler.
t=$SECONDS
if ! timeout "$build_within" dotnet build src/Formation.Cli -c Release >"$work/build.log" 2>&1; then
  tail -30 "$work/build.log" >&2
  fail "the Release build of src/Formation.Cli (see above)"
  exit 1
fi
pass "Release build of the CLI in $((SECONDS - t)) s"

# The example leaves PORT to the environment: keep it off the ports other jobs on this machine use.
export PORT=${SMOKE_PORT:-17300}
export FORMATION_SMOKE=$token
echo "smoke: running (PORT=$PORT): $command"
t=$SECONDS
# As in a terminal: the command gets its own process group (set -m) and the default SIGINT disposition
# (a background job of a script would start with SIGINT ignored).
set -m
env --default-signal=INT,QUIT bash -c "exec $command" >"$out" 2>&1 </dev/null &
pid=$!
set +m
pgid=$pid

# Waits (until ready_within seconds after the start, or the command's end) for an output line matching
# the extended regex $2; $1 says what that line shows.
deadline=$((t + ready_within))
expect() {
  until grep -qE -- "$2" "$out"; do
    if [ "$SECONDS" -ge "$deadline" ] || ! kill -0 "$pid" 2>/dev/null; then
      grep -qE -- "$2" "$out" && break
      fail "$1: no line matching /$2/ within $ready_within s"
      return
    fi
    sleep 0.2
  done
  pass "$1"
}
expect "the release task exited 0" 'system +\| release\.1 exited with code 0$'
expect "web became ready" 'system +\| web\.1 ready \('
expect "worker.1 started" 'system +\| worker\.1 started with pid'
expect "worker.2 started" 'system +\| worker\.2 started with pid'
expect "the clock enqueued a job" 'clock\.1 +\| clock: enqueued job [0-9]+$'
expect "a worker handled a job" 'worker\.[12] +\| worker\.[12]: handled job [0-9]+ '
ready_after=$((SECONDS - t))

if kill -0 "$pid" 2>/dev/null; then
  kill -INT -- "-$pgid"
  t=$SECONDS
  code=
  deadline=$((SECONDS + exit_within))
  while kill -0 "$pid" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then
    fail "the command did not exit within $exit_within s of SIGINT"
  else
    wait "$pid"; code=$?
    [ "$code" -eq 0 ] && pass "exit code 0 after SIGINT, $((SECONDS - t)) s" || fail "exit code $code after SIGINT (expected 0)"
  fi
  grep -qE 'system +\| SIGINT received, stopping all processes$' "$out" && pass "formation said it stopped on SIGINT" \
    || fail "no 'SIGINT received, stopping all processes' line"
else
  wait "$pid"; fail "the command ended by itself with code $? before SIGINT"
fi

# Nothing left: no process with the marker (PID 1 may take ~2 s to reap zombies: a zombie has no environ),
# and nothing in the command's process group.
left=
deadline=$((SECONDS + 5))
while :; do
  left=$(for env in /proc/[0-9]*/environ; do
    grep -qaF "FORMATION_SMOKE=$token" "$env" 2>/dev/null && p=${env#/proc/} && echo "${p%/environ} $(tr '\0' ' ' <"/proc/${p%/environ}/cmdline" 2>/dev/null)"
  done)
  group=$(awk -v g="$pgid" '{ sub(/^.*\) /, ""); if ($3 == g && $1 != "Z") print }' /proc/[0-9]*/stat 2>/dev/null)
  [ -z "$left" ] && [ -z "$group" ] && break
  [ "$SECONDS" -ge "$deadline" ] && break
  sleep 0.2
done
if [ -z "$left" ] && [ -z "$group" ]; then pass "no process left (marker variable, process group $pgid)"
else fail "processes left after the exit: ${left:-}${group:+ (in group $pgid)}"; fi

echo "smoke: the command's output:"
sed 's/^/    /' "$out"
if [ "$failures" -ne 0 ]; then
  echo "smoke: $failures check(s) failed ($((SECONDS - started)) s)" >&2
  exit 1
fi
echo "smoke: passed: web ready and a job handled $ready_after s after the start; $((SECONDS - started)) s in all"
