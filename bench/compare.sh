#!/usr/bin/env bash
# bramka side by side with what users would pick instead, on this machine, in one run.
#
#   bench/compare.sh            full run (about 5-6 minutes on 2 cores after the first build)
#   bench/compare.sh --quick    tiny sizes, under a minute after builds
#   bench/compare.sh --quick --rust-only   bramka alone, no npm or Python packages (CI)
#   options: --concurrency N (default 16), --help
#
# 1. Segmentation: bench/corpus.jsonl through bramka_core::encoding::analyze and the npm packages
#    split-sms and sms-segments-calculator, messages/s, one thread.
# 2. Sending: a fast mock of the SMSAPI, Infobip and Twilio send endpoints (bench/rust, axum on
#    127.0.0.1) and N recipients through bramka's gateways and through the official Python SDKs
#    (smsapi-client, infobip-api-python-client, twilio) with a thread pool of the same
#    concurrency: messages/s, CPU time per message (getrusage), peak RSS.
# 3. Inbound: bramka-inbound ingestion/s with the memory and SQLite stores, with and without a
#    poll, and with duplicate webhook deliveries.
#
# Needs cargo, node + npm, python3 (with venv). Packages are installed from the registries into
# bench/.work/ (git-ignored), never globally; all traffic stays on 127.0.0.1.
# Output: one table on stdout, bench/.work/results.json, and in full mode a copy in
# bench/results-latest.json. The last line is "N passed, M failed"; the exit status is non-zero
# when any check failed.
set -uo pipefail

MODE=full
CONC=16
# 0 with --rust-only: bramka's own runs only, no npm or Python packages installed or run (CI).
PEERS=1
usage() { sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
    case "$1" in
        --quick) MODE=quick ;;
        --rust-only) PEERS=0 ;;
        --concurrency) shift; CONC="${1:-}" ;;
        --concurrency=*) CONC="${1#*=}" ;;
        -h|--help) usage; exit 0 ;;
        *) echo "compare.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
    esac
    shift
done
case "$CONC" in ''|*[!0-9]*|0) echo "compare.sh: --concurrency needs a positive number, got '$CONC'" >&2; exit 2 ;; esac

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
WORK="$HERE/.work"
mkdir -p "$WORK"
RESULTS="$WORK/results.jsonl"
LOG="$WORK/compare.log"
: > "$RESULTS"
: > "$LOG"
PASSED=0
FAILED=0
MOCK_PID=""
START_TS=$(date +%s)

if [ "$MODE" = full ]; then
    SEG_SECS=1; SEG_ROUNDS=3
    BRAMKA_SIZES="10000 100000 1000000"
    SDK_SMSAPI=100000; SDK_INFOBIP=100000; SDK_TWILIO=20000
    IN_MEM=200000; IN_SQL=50000
    STEP_TIMEOUT=240
else
    SEG_SECS=0.2; SEG_ROUNDS=1
    BRAMKA_SIZES="1000 10000"
    SDK_SMSAPI=1000; SDK_INFOBIP=1000; SDK_TWILIO=100
    IN_MEM=2000; IN_SQL=500
    STEP_TIMEOUT=60
fi

cleanup() {
    if [ -n "$MOCK_PID" ] && kill -0 "$MOCK_PID" 2>/dev/null; then
        kill "$MOCK_PID" 2>/dev/null
        wait "$MOCK_PID" 2>/dev/null
    fi
}
trap cleanup EXIT
trap 'echo "compare.sh: interrupted" >&2; exit 130' INT TERM

say() { printf '%s\n' "$*" >&2; }
pass() { PASSED=$((PASSED + 1)); say "  ok    $*"; }
fail() { FAILED=$((FAILED + 1)); say "  FAIL  $*"; }
finish() {
    echo "$PASSED passed, $FAILED failed"
    [ "$FAILED" -eq 0 ] && exit 0 || exit 1
}
die() { fail "$*"; finish; }

# run_json SECTION LABEL [NOTE] -- COMMAND...: runs COMMAND; its last stdout line must be a JSON
# object with a positive msgs_per_sec; it is stored (with SECTION and NOTE) for the report.
run_json() {
    local section="$1" label="$2" note="" out err rc line
    shift 2
    if [ "$1" != "--" ]; then note="$1"; shift; fi
    shift
    out="$WORK/step.out"; err="$WORK/step.err"
    timeout "$STEP_TIMEOUT" "$@" > "$out" 2> "$err"
    rc=$?
    cat "$err" >> "$LOG"
    if [ $rc -eq 124 ]; then
        fail "$label: timed out after ${STEP_TIMEOUT}s"
        return 1
    elif [ $rc -ne 0 ]; then
        fail "$label: exit status $rc: $(tail -n 3 "$err" | tr '\n' ' ')"
        return 1
    fi
    # One JSON document per line (the Node runner prints two).
    local ok=0
    while IFS= read -r line; do
        [ -z "$line" ] && continue
        if printf '%s' "$line" | python3 -c '
import json, sys
d = json.loads(sys.stdin.read())
assert isinstance(d, dict) and d.get("msgs_per_sec", 0) > 0, "no positive msgs_per_sec"
d["section"] = sys.argv[1]
if sys.argv[2]:
    d["note"] = sys.argv[2]
print(json.dumps(d, ensure_ascii=False))' "$section" "$note" >> "$RESULTS" 2>> "$err"; then
            pass "$label: $(printf '%s' "$line" | python3 -c 'import json,sys; d=json.loads(sys.stdin.read()); print("%s %.0f/s" % (d["tool"], d["msgs_per_sec"]))')"
            ok=1
        else
            fail "$label: unexpected output: $line ($(tail -n 1 "$err"))"
            return 1
        fi
    done < "$out"
    if [ $ok -eq 0 ]; then fail "$label: printed no result"; return 1; fi
    return 0
}

# --- tools --------------------------------------------------------------------------------
say "== bramka benchmarks ($MODE mode, concurrency $CONC)"
TOOLS="cargo python3 timeout"; [ "$PEERS" = 1 ] && TOOLS="$TOOLS node npm"
for tool in $TOOLS; do
    if command -v "$tool" > /dev/null 2>&1; then pass "found $tool"; else die "$tool is not installed (needed by bench/compare.sh)"; fi
done

# --- build and install ----------------------------------------------------------------------
say "== building bench/rust (release, target in bench/.work/target)"
if CARGO_TARGET_DIR="$WORK/target" cargo build --release --quiet --manifest-path "$HERE/rust/Cargo.toml" >> "$LOG" 2>&1; then
    pass "built bramka-bench"
else
    say "$(tail -n 20 "$LOG")"
    die "cargo build of bench/rust failed (log: $LOG)"
fi
BENCH="$WORK/target/release/bramka-bench"

if [ "$PEERS" = 1 ]; then
say "== installing split-sms and sms-segments-calculator into bench/.work/node"
mkdir -p "$WORK/node"
if cmp -s "$HERE/node/package.json" "$WORK/node/package.json" && [ -d "$WORK/node/node_modules/split-sms" ] \
    && [ -d "$WORK/node/node_modules/sms-segments-calculator" ]; then
    pass "npm packages already installed"
else
    cp "$HERE/node/package.json" "$WORK/node/package.json"
    if (cd "$WORK/node" && npm install --no-audit --no-fund --no-package-lock --loglevel=error) >> "$LOG" 2>&1; then
        pass "npm install"
    else
        say "$(tail -n 20 "$LOG")"
        die "npm install failed (log: $LOG)"
    fi
fi

say "== installing the official Python SDKs into bench/.work/venv"
if [ -x "$WORK/venv/bin/python" ] && cmp -s "$HERE/python/requirements.txt" "$WORK/venv/requirements.txt"; then
    pass "Python SDKs already installed"
else
    rm -rf "$WORK/venv"
    if python3 -m venv "$WORK/venv" >> "$LOG" 2>&1 \
        && "$WORK/venv/bin/pip" install --quiet --disable-pip-version-check -r "$HERE/python/requirements.txt" >> "$LOG" 2>&1; then
        cp "$HERE/python/requirements.txt" "$WORK/venv/requirements.txt"
        pass "pip install of the SDKs"
    else
        say "$(tail -n 20 "$LOG")"
        die "creating the venv or installing the SDKs failed (log: $LOG)"
    fi
fi
fi
PY="$WORK/venv/bin/python"
BUILD_SECS=$(( $(date +%s) - START_TS ))
# From here on everything talks to 127.0.0.1 only: no proxy may see (or swallow) the traffic.
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY
export NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost

# --- 1. segmentation --------------------------------------------------------------------------
say "== 1. segmentation (corpus: bench/corpus.jsonl, $SEG_ROUNDS alternating rounds of ${SEG_SECS}s per tool; the best round counts)"
for round in $(seq 1 "$SEG_ROUNDS"); do
    run_json segmentation "round $round: bramka-core analyze" -- "$BENCH" seg "$HERE/corpus.jsonl" "$SEG_SECS"
    [ "$PEERS" = 1 ] || continue
    run_json segmentation "round $round: npm packages" -- env NODE_PATH="$WORK/node/node_modules" node "$HERE/node/seg.js" "$HERE/corpus.jsonl" "$SEG_SECS"
done

# --- 2. sending ------------------------------------------------------------------------------
say "== 2. sending (mock on 127.0.0.1)"
# Every sending client (bramka's and the SDKs) runs with glibc's mmap threshold pinned at 128 KiB.
# Left dynamic, glibc raises it after the first large buffer is freed, and from then on the
# 100-250 KiB request and response bodies of 1000-recipient Infobip batches come from the
# per-thread heaps, which fragment a little more with every request: peak RSS then drifts up with
# the number of requests (22.9 -> 26.8-29.8 MiB from 100k to 1M recipients on this machine)
# although nothing is kept per recipient (pinned: 20.2 -> 20.9 MiB). See bench/README.md.
SEND_MALLOC="MALLOC_MMAP_THRESHOLD_=131072"
"$BENCH" mock > "$WORK/mock.out" 2> "$WORK/mock.err" &
MOCK_PID=$!
PORT=""
for _ in $(seq 1 100); do
    PORT=$(awk '/^PORT /{print $2}' "$WORK/mock.out" 2>/dev/null)
    [ -n "$PORT" ] && break
    kill -0 "$MOCK_PID" 2>/dev/null || break
    sleep 0.1
done
if [ -z "$PORT" ]; then
    die "the mock server did not start: $(cat "$WORK/mock.err")"
fi
pass "mock listening on 127.0.0.1:$PORT"
BASE="http://127.0.0.1:$PORT"
declare -A SENT=([smsapi]=0 [infobip]=0 [twilio]=0)

for gw in smsapi infobip twilio; do
    for n in $BRAMKA_SIZES; do
        if run_json sending "bramka $gw, $n recipients" -- env $SEND_MALLOC "$BENCH" send "$gw" "$BASE" "$n" "$CONC"; then
            SENT[$gw]=$(( ${SENT[$gw]} + n ))
        fi
    done
done
for gw in smsapi infobip twilio; do
    [ "$PEERS" = 1 ] || break
    case $gw in smsapi) n=$SDK_SMSAPI ;; infobip) n=$SDK_INFOBIP ;; twilio) n=$SDK_TWILIO ;; esac
    note=""
    if [ "$MODE" = full ] && [ "$n" -lt 100000 ]; then
        note="The $gw SDK ran $n recipients instead of 100,000 (one HTTP request per recipient is too slow for the 10-minute budget); per-message figures do not depend on the count."
    fi
    if run_json sending "SDK $gw, $n recipients" "$note" -- env $SEND_MALLOC "$PY" "$HERE/python/send.py" "$gw" "$BASE" "$n" "$CONC"; then
        SENT[$gw]=$(( ${SENT[$gw]} + n ))
    fi
done
# The mock counts what it answered: every recipient must have arrived exactly once.
STATS=$(python3 -c 'import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1], timeout=5).read().decode())' "$BASE/stats" 2>&1)
for gw in smsapi infobip twilio; do
    got=$(printf '%s' "$STATS" | python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]]["recipients"])' "$gw" 2>/dev/null)
    if [ "$got" = "${SENT[$gw]}" ]; then
        pass "mock answered $got $gw recipients, as many as the clients reported accepted"
    else
        fail "mock answered '${got:-?}' $gw recipients, the clients reported ${SENT[$gw]} (stats: $STATS)"
    fi
done
cleanup
MOCK_PID=""

# --- 3. inbound ------------------------------------------------------------------------------
say "== 3. inbound ingestion"
for store in memory sqlite; do
    [ $store = memory ] && n=$IN_MEM || n=$IN_SQL
    for combo in "0 0" "1 0" "1 10" "1 50"; do
        set -- $combo
        run_json inbound "inbound $store polls=$1 duplicates=$2%" -- "$BENCH" inbound "$store" "$1" "$n" "$2" "$WORK"
    done
done
rm -f "$WORK"/inbound-*.sqlite*

# --- report ----------------------------------------------------------------------------------
say "== results"
CMD="bench/compare.sh"; [ "$MODE" = quick ] && CMD="bench/compare.sh --quick"
[ "$PEERS" = 1 ] || CMD="$CMD --rust-only"
[ "$CONC" != 16 ] && CMD="$CMD --concurrency $CONC"
if python3 "$HERE/report.py" "$RESULTS" "$WORK/results.json" "$MODE" "$CMD" "$CONC"; then
    pass "table and $WORK/results.json written"
    if [ "$MODE" = full ] && [ "$FAILED" -eq 0 ]; then
        cp "$WORK/results.json" "$HERE/results-latest.json"
        say "copied to bench/results-latest.json"
    fi
else
    fail "report.py could not build the table from $RESULTS"
fi
TOTAL_SECS=$(( $(date +%s) - START_TS ))
say "(builds and installs: ${BUILD_SECS}s, total: ${TOTAL_SECS}s)"
finish
