#!/bin/sh
# bench/race-matrix without qemu: tests/vm/fake-vm stands in for e4inline-vm. The
# cells aggregate repeats (verdicts k/N, median time to first failure, FILE:LINE,
# image check), standalone reproducers found on disk become repro: workloads run
# with --add (and mkwrite-race with --craft bitmap-full), --continue-past-warning
# drops --stop-on-failure, and two shards merged equal the whole matrix.
. "$E4I_SRCDIR/tests/lib.sh"
command -v jq >/dev/null || skip_all "jq not installed"
matrix=$E4I_SRCDIR/bench/race-matrix
E4INLINE_VM=$E4I_SRCDIR/tests/vm/fake-vm
FAKE_VM_LOG=$T/vm.log
E4I_REPRODUCERS=$T/repros
export E4INLINE_VM FAKE_VM_LOG E4I_REPRODUCERS
for n in mmap-store mkwrite-race; do
    mkdir -p "$T/repros/$n" && cp "$E4I_SRCDIR/tests/vm/repro-standin" "$T/repros/$n/$n"
done

"$matrix" --workloads "truncate-down-up mkwrite-vs-write" --repeats 3 -j 2 --duration 5 --out "$T/whole" >"$T/whole.md" 2>"$T/whole.err"
check "a matrix run exits 0" [ $? -eq 0 ]
check "the default kernels come from e4inline-vm --list-kernels --latest" grep -q -- '--list-kernels --latest' "$T/vm.log"
check "each kernel is prepared once before the runs" [ "$(grep -c -- '--prepare' "$T/vm.log")" -eq 2 ]
cells() { jq -c '[.cells[] | {kernel, workload, runs, failed, verdicts, median_failure_seconds, log_where, image_check}]' "$1/matrix.json"; }
check "matrix.json has 2 kernels x 2 workloads x 3 repeats = 12 runs" [ "$(jq '.runs | length' "$T/whole/matrix.json")" -eq 12 ]
check "the clean kernel's cells: ok 3/3, 6 files checked on the image" \
    [ "$(jq -c '.cells[0] | [.kernel, .workload, .verdicts, .failed, .image_check]' "$T/whole/matrix.json")" = '["k-ok","truncate-down-up",{"ok":3},0,{"runs":3,"files":6,"mismatches":0}]' ]
check "the buggy kernel's cells: kernel-bug 3/3 at inline.c:791, median 3.5 s" \
    [ "$(jq -c '.cells[2] | [.kernel, .verdicts, .failed, .median_failure_seconds, .log_where]' "$T/whole/matrix.json")" = '["k-bug",{"kernel-bug":3},3,3.5,"fs/ext4/inline.c:791"]' ]
check "matrix.md has a row per cell" [ "$(grep -c '^| k-' "$T/whole/matrix.md")" -eq 4 ]
check "matrix.md says k/N and the log line" grep -q '^| k-bug | mkwrite-vs-write | kernel-bug 3/3 | 3.5 s | fs/ext4/inline.c:791 | - |$' "$T/whole/matrix.md"
check "the stress runs stop at the first failure by default" grep -q -- '--stop-on-failure' "$T/vm.log"

# Reproducers: included by default when built, run with --add as NAME /mnt.
: >"$T/vm.log"
"$matrix" --kernels k-ok --workloads "" --repeats 1 --duration 5 --out "$T/repro" >/dev/null 2>"$T/repro.err"
check "with no --workloads the reproducers found are workloads" \
    [ "$(jq -c '.meta.workloads | map(select(startswith("repro:")))' "$T/repro/matrix.json")" = '["repro:mkwrite-race","repro:mmap-store"]' ]
check "a reproducer runs through --add as NAME /mnt" grep -q -- "--add $T/repros/mmap-store/mmap-store .*-- mmap-store /mnt" "$T/vm.log"
check "mkwrite-race gets --craft bitmap-full" grep -q -- "--craft bitmap-full .*-- mkwrite-race /mnt" "$T/vm.log"
check "a reproducer's exit 1 is the outcome reproduced" \
    [ "$(jq -r '.cells[] | select(.workload == "repro:mmap-store") | .verdicts | keys[0]' "$T/repro/matrix.json")" = reproduced ]

: >"$T/vm.log"
"$matrix" --kernels k-bug --workloads mkwrite-vs-write --repeats 1 --continue-past-warning --out "$T/past" >/dev/null 2>&1
if grep -q -- '--stop-on-failure' "$T/vm.log"; then not_ok "--continue-past-warning drops --stop-on-failure"
else ok "--continue-past-warning drops --stop-on-failure"; fi
check "and says so in matrix.md" grep -q 'continuing past WARNINGs' "$T/past/matrix.md"

# A kernel that cannot be had: its runs are unavailable, the others still run.
"$matrix" --kernels "k-missing k-ok" --workloads truncate-down-up --repeats 1 --out "$T/missing" >/dev/null 2>&1
check "an unavailable kernel is a verdict of its own" \
    [ "$(jq -r '[.cells[] | .verdicts | keys[0]] | join(" ")' "$T/missing/matrix.json")" = "unavailable ok" ]

# Shards: 0/2 and 1/2 run disjoint halves; merged they are the whole matrix.
for s in 0 1; do
    "$matrix" --workloads "truncate-down-up mkwrite-vs-write" --repeats 3 --duration 5 --shard "$s/2" --out "$T/shard$s" >/dev/null 2>&1
done
n0=$(jq '.runs | length' "$T/shard0/matrix.json"); n1=$(jq '.runs | length' "$T/shard1/matrix.json")
check "the shards split the 12 runs ($n0 + $n1)" [ "$n0" -eq 6 ] && [ "$n1" -eq 6 ]
check "the shards share no run" [ -z "$(jq -r '.runs[].index' "$T/shard0/matrix.json" "$T/shard1/matrix.json" | sort | uniq -d)" ]
"$matrix" merge "$T/shard0" "$T/shard1" --out "$T/merged" >/dev/null 2>&1
check "merge exits 0" [ $? -eq 0 ]
check "the merged cells equal the unsharded run's" [ "$(cells "$T/merged")" = "$(cells "$T/whole")" ]
check "the merged matrix.md has the same rows" \
    [ "$(grep '^| k-' "$T/merged/matrix.md")" = "$(grep '^| k-' "$T/whole/matrix.md")" ]
check "merging a shard twice counts its runs once" \
    sh -c "'$matrix' merge '$T/shard0' '$T/shard0' '$T/shard1' --out '$T/merged2' >/dev/null 2>&1 && [ \$(jq '.runs | length' '$T/merged2/matrix.json') -eq 12 ]"

# A rerun given last replaces the run it repeats.
mkdir -p "$T/rerun"
jq '.runs |= map(select(.index == 0) | .outcome = "hang")' "$T/whole/matrix.json" >"$T/rerun/matrix.json"
"$matrix" merge "$T/whole" "$T/rerun" --out "$T/merged3" >/dev/null 2>&1
check "a rerun merged last replaces its run" \
    [ "$(jq -c '.cells[0].verdicts' "$T/merged3/matrix.json")" = '{"hang":1,"ok":2}' ]
"$matrix" --shard 2/2 --kernels k-ok --out "$T/bad" >/dev/null 2>"$T/err"
check "--shard I/N with I >= N is a usage error (16)" [ $? -eq 16 ]
"$matrix" merge --out "$T/m" >/dev/null 2>&1
check "merge without directories is a usage error (16)" [ $? -eq 16 ]
done_testing
