#!/usr/bin/env bash
# callgrind.sh BUILD_DIR [CASES] — instructions per case (callgrind), which,
# unlike times, do not drift with a busy machine. Each figure is
# (instructions for N cases − instructions for 1 case) / (N − 1), so
# start-up and loading are left out (bench counts only its measured loop).
# Needs valgrind.
#   whole     assess --batch --jobs 1, the real binary (batch order)
#   pipeline  the batch's work per line in process (bench pipeline)
#   engine    the engine alone (bench engine)
#   floor     CLIPS alone: the same answer facts, trivial rules (bench floor)
set -euo pipefail
build=${1:-build}
n=${2:-1000}
bin=$build/msktriage
bench=$build/bench/bench
out=bench/out
mkdir -p "$out"
[ -s "$out/cases-2000.jsonl" ] || "$bench" gen 2000 "$out/cases-2000.jsonl"
head -n "$n" "$out/cases-2000.jsonl" > "$out/cg-n.jsonl"
head -n 1 "$out/cases-2000.jsonl" > "$out/cg-1.jsonl"

ir() { # command... < input: total instructions (bench: its measured loop)
	local atstart=yes
	[ "$1" != "$bench" ] || atstart=no
	valgrind --tool=callgrind --callgrind-out-file=/dev/null \
		--collect-atstart=$atstart "$@" 2>&1 >/dev/null |
		sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
per_case() { # label env... -- command (with FILE for the cases)
	local label=$1; shift
	local envs=(BENCH_NONE=1)
	while [ "$1" != -- ]; do envs+=("$1"); shift; done; shift
	local cmd_n=() cmd_1=()
	for a in "$@"; do cmd_n+=("${a/FILE/$out/cg-n.jsonl}"); cmd_1+=("${a/FILE/$out/cg-1.jsonl}"); done
	local a b
	a=$( (for v in "${envs[@]}"; do export "$v"; done
	      ir "${cmd_1[@]}" < "$out/cg-1.jsonl") )
	b=$( (for v in "${envs[@]}"; do export "$v"; done
	      ir "${cmd_n[@]}" < "$out/cg-n.jsonl") )
	local count; count=$(wc -l < "$out/cg-n.jsonl")
	local pc=$(( (b - a) / (count - 1) ))
	printf '%-44s %9d instructions per case\n' "$label" "$pc"
	echo "$pc" > "$out/cg-last"
}

echo "callgrind, $n cases ($(awk -F'":' '{ n += NF - 1 } END { printf "%.1f", n / NR - 1 }' "$out/cg-n.jsonl") answers per case on average)"
per_case "whole assess --batch, batch order" -- "$bin" assess --batch --jobs 1
whole=$(cat "$out/cg-last")
per_case "pipeline, input order" -- "$bench" pipeline FILE
per_case "pipeline, batch order" BENCH_SORT=1 -- "$bench" pipeline FILE
per_case "engine, input order" -- "$bench" engine FILE
engine_in=$(cat "$out/cg-last")
per_case "engine, batch order" BENCH_SORT=1 -- "$bench" engine FILE
engine_b=$(cat "$out/cg-last")
per_case "floor, input order" -- "$bench" floor FILE
floor_in=$(cat "$out/cg-last")
per_case "floor, batch order" BENCH_SORT=1 -- "$bench" floor FILE
floor_b=$(cat "$out/cg-last")
awk -v w="$whole" -v ei="$engine_in" -v eb="$engine_b" -v fi="$floor_in" -v fb="$floor_b" 'BEGIN {
	printf "ratio project / floor: engine %.1f (input order), %.1f (batch order); whole batch %.1f\n",
		ei / fi, eb / fb, w / fb }'

# How CLIPS alone grows with rules: the floor with more trivial rules per
# question (batch order).
for k in 2 4 8; do
	per_case "floor, batch order, $k rules per question" BENCH_SORT=1 BENCH_FLOOR_RULES=$k -- "$bench" floor FILE
done

# How the engine grows with answers per case: the same cases split by how
# many answers they give (input order).
for range in "0 19" "20 27" "28 35" "36 999"; do
	set -- $range
	awk -F'":' -v lo="$1" -v hi="$2" '{ a = NF - 2 } a >= lo && a <= hi' "$out/cases-2000.jsonl" |
		head -n "$n" > "$out/cg-bucket.jsonl"
	count=$(wc -l < "$out/cg-bucket.jsonl")
	[ "$count" -ge 20 ] || continue
	a=$(ir "$bench" engine "$out/cg-1.jsonl")
	b=$(ir "$bench" engine "$out/cg-bucket.jsonl")
	printf '%-44s %9d instructions per case (%d cases)\n' \
		"engine, $1-$2 answers, input order" $(( (b - a) / (count - 1) )) "$count"
done

# Start-up: the whole process for one empty case; the interview to its
# first question and 'quit' (input from a pipe: readline is not started).
printf '%-44s %9d instructions\n' "assess, process start to result" \
	"$(ir "$bin" assess < <(echo '{"answers":{}}'))"
store_dir=$(mktemp -d -p "$build")
echo quit | "$bin" --db "$store_dir/sessions.db" --label bench > /dev/null
printf '%-44s %9d instructions\n' "interview, start, first question, quit" \
	"$(echo quit | ir "$bin" --db "$store_dir/sessions.db" --label bench)"
rm -rf "$store_dir"
