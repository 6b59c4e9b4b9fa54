#!/usr/bin/env bash
# Builds every fuzz target and runs each for a few seconds from its seed corpus, without
# cargo-fuzz: the same compiler flags `cargo fuzz build -s none` uses (so both share
# fuzz/target), on the stable toolchain through RUSTC_BOOTSTRAP=1. Used by .ci/run.
#
#   fuzz/smoke.sh [SECONDS_PER_TARGET]     (default 3)
#
# New inputs go to a temporary copy of the corpus; a crash leaves its input in
# fuzz/artifacts/<target>/ and fails the script.
set -euo pipefail
cd "$(dirname "$0")"
secs="${1:-3}"
# The fuzz lock must not resolve versions the main lock does not have (the targets would test
# other dependencies than the library ships with): refresh it with `cp ../Cargo.lock .` and a
# `cargo metadata`, which only adds the fuzz-only packages.
python3 - <<'PY'
import tomllib
def versions(path):
    out = {}
    for p in tomllib.load(open(path, "rb"))["package"]:
        out.setdefault(p["name"], set()).add(p["version"])
    return out
main, fuzz = versions("../Cargo.lock"), versions("Cargo.lock")
bad = sorted(f"{n} {sorted(v)} (main: {sorted(main[n])})" for n, v in fuzz.items() if n in main and not v <= main[n])
if bad:
    raise SystemExit("fuzz/Cargo.lock resolves versions the main lock does not:\n  " + "\n  ".join(bad))
PY
triple="$(rustc -vV | sed -n 's/^host: //p')"
export RUSTC_BOOTSTRAP=1
export RUSTFLAGS="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares --cfg fuzzing \
-Cllvm-args=-simplifycfg-branch-fold-threshold=0 -Cllvm-args=-sanitizer-coverage-stack-depth \
-Cdebug-assertions"
cargo build --locked --release --target "$triple" --bins --config 'profile.release.debug="line-tables-only"'
targets=$(sed -n 's/^name = "\(.*\)"$/\1/p' Cargo.toml | grep -v '^bramka-fuzz$')
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
for t in $targets; do
    mkdir -p "$work/$t" "artifacts/$t"
    cp corpus/"$t"/seed-* "$work/$t/" 2>/dev/null || true
    echo "== fuzz $t (${secs}s)"
    if ! "target/$triple/release/$t" -max_total_time="$secs" -max_len=4096 -timeout=10 \
        -artifact_prefix="artifacts/$t/" -print_final_stats=1 "$work/$t" > "$work/$t.log" 2>&1; then
        tail -40 "$work/$t.log" >&2
        echo "fuzz target $t failed; its input is in fuzz/artifacts/$t/" >&2
        exit 1
    fi
    grep -E '^stat::number_of_executed_units' "$work/$t.log" || true
done
