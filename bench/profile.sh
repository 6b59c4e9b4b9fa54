#!/usr/bin/env bash
# Instructions per message of bramka's analyze and of the floor, per corpus category, counted by
# valgrind's callgrind: repeatable on a loaded, shared machine where wall-clock time is not.
#
#   bench/profile.sh              every category of bench/corpus.jsonl
#   bench/profile.sh common crlf  some categories
#
# Builds bench/rust like compare.sh (target in bench/.work/target), then for each category and
# tool runs `bramka-bench seg-work` twice under callgrind (0 and REPS repetitions) and divides the
# difference by the messages. Prints a Markdown table: instructions per message and their ratio.
# To see where the instructions go, run one under callgrind yourself and use callgrind_annotate
# (build with CARGO_PROFILE_RELEASE_DEBUG=line-tables-only for line numbers).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
WORK="$HERE/.work"
REPS=10
command -v valgrind > /dev/null || { echo "profile.sh: valgrind is not installed (apt-get install -y valgrind)" >&2; exit 2; }
CARGO_TARGET_DIR="$WORK/target" cargo build --release --quiet --manifest-path "$HERE/rust/Cargo.toml"
BENCH="$WORK/target/release/bramka-bench"
CATS=("$@")
if [ ${#CATS[@]} -eq 0 ]; then
    mapfile -t CATS < <(python3 -c '
import json, sys
seen = []
for line in open(sys.argv[1]):
    c = json.loads(line)["category"]
    if c not in seen:
        seen.append(c)
print("\n".join(seen))' "$HERE/corpus.jsonl")
fi
# Instructions of one run (callgrind's "Collected" total).
count() {
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$BENCH" seg-work "$HERE/corpus.jsonl" "$1" "$2" "$3" 2>&1 \
        | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
per_message() {
    local base full messages
    base=$(count "$1" "$2" 0)
    full=$(count "$1" "$2" "$REPS")
    messages=$("$BENCH" seg-work "$HERE/corpus.jsonl" "$1" "$2" "$REPS" | python3 -c 'import json,sys; print(json.load(sys.stdin)["messages"])')
    echo $(( (full - base) / messages ))
}
echo "| category | bramka instructions/msg | floor instructions/msg | bramka / floor |"
echo "|---|---:|---:|---:|"
for cat in "${CATS[@]}"; do
    ours=$(per_message "$cat" bramka)
    floor=$(per_message "$cat" floor)
    printf '| %s | %s | %s | %s |\n' "$cat" "$ours" "$floor" "$(python3 -c "print(f'{$ours / $floor:.1f}x')")"
done
