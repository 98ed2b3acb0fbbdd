#!/usr/bin/env bash
# run.sh BUILD_DIR — the benchmarks of docs/benchmarks.md, on this machine.
#   1. process start to first question: assess (the real binary spawned
#      300 times with an empty answer set, through pipes) and the interview
#      (spawned 300 times on a pseudo-terminal, to its first question's
#      prompt), and the engine's share of it
#   2. in-process engine time per case over generated cases
#   3. assess --batch throughput on 100,000 cases, 1 thread and all cores,
#      with peak memory (max RSS)
#   4. answer -> next question with the commit, on a SQLite file and on a
#      throwaway PostgreSQL server (pg_virtualenv, when installed); then
#      through the session core (session_answer) on a SQLite file, with
#      the disk's fsync time
#   5. instructions per case under callgrind
#   6. questions per interview, replayed from the clinical cases
set -euo pipefail
build=${1:-build}
bin=$build/msktriage
out=bench/out
mkdir -p "$out"
cases=$out/cases-2000.jsonl
distinct=$out/cases-20k.jsonl
batch=$out/cases-100k.jsonl

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/Mem/{print $2}') GiB"
echo "rule base: $($bin --version | tail -1)"

[ -s "$cases" ] || "$build/bench/bench" gen 2000 "$cases"
# The batch: 20,000 distinct cases five times over. Copies are 20,000 lines
# apart, so no block the batch evaluates together (4,096 lines) holds the
# same case twice and nothing is measured on repeats.
[ -s "$distinct" ] || "$build/bench/bench" gen 20000 "$distinct"
if [ ! -s "$batch" ]; then
	: > "$batch"
	for _ in 1 2 3 4 5; do cat "$distinct" >> "$batch"; done
fi

# 1. start to first question: the whole process, spawned from C.
"$build/bench/bench" start 300 "$bin"
start_dir=$(mktemp -d -p "$build")
"$build/bench/bench" interview 300 "$bin" "$start_dir/sessions.db"
rm -rf "$start_dir"
"$build/bench/bench" load 200

# 2. engine time per case, distinct cases: in file order, then in the
#    similarity order a batch slice uses.
"$build/bench/bench" engine "$cases" 20
BENCH_SORT=1 "$build/bench/bench" engine "$cases" 20

# 3. batch throughput and peak memory.
for jobs in 1 "$(nproc)"; do
	/usr/bin/time -f "%e s %M KiB" -o "$out/time.txt" \
		"$bin" assess --batch --jobs "$jobs" < "$batch" > "$out/results.jsonl"
	read -r secs _ kib _ < "$out/time.txt"
	lines=$(wc -l < "$out/results.jsonl")
	awk -v s="$secs" -v n="$lines" -v j="$jobs" -v k="$kib" 'BEGIN {
		printf "batch --jobs %d: %d cases in %.2f s = %.0f cases/s, peak RSS %.1f MiB\n",
			j, n, s, n / s, k / 1024 }'
done

# 4. answer -> next question, the answer committed first, on each backend.
store_dir=$(mktemp -d -p "$build")
"$build/bench/bench" store "$store_dir/sessions.db" 100
"$build/bench/bench" answer 100 "$store_dir/answers.db"
rm -rf "$store_dir"
if command -v pg_virtualenv >/dev/null; then
	# pg_virtualenv turns fsync off; a real server keeps it on.
	pg_virtualenv -o fsync=on "$build/bench/bench" store postgresql:// 100 2>&1 |
		grep 'answer -> next'
fi

# 5. instructions per case under callgrind, beside the times above.
if command -v valgrind > /dev/null; then
	bench/callgrind.sh "$build" 1000
else
	echo "valgrind not installed: no instruction counts (bench/callgrind.sh)"
fi

# 6. questions per interview on the clinical cases.
"$build/bench/bench" questions tests/cases
