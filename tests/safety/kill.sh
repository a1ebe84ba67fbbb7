#!/bin/sh
# SIGKILL at any point of a write with -z: the image is either unchanged or
# e2undo restores it byte for byte from the undo file (never "Incomplete undo
# record"). Deterministic kill points (E4INLINE_TEST_FAULT=kill=N: before the
# Nth write of the commit, undo file or image), then kills at measured times
# during a large --from-dir (E4I_KILL_FILES files, 3000 by default; the
# issue's case is 20000).
. "$E4I_SRCDIR/tests/lib.sh"

base=$T/base undo=$T/u.undo
mkimg "$base" 64M -N 40000 || { not_ok "mke2fs"; done_testing; }
img=$T/img   # after mkimg, which sets $img
"$E4INLINE" create "$base" /keep --size 50 >/dev/null

# classify EXIT: after a killed run, sets $result to unchanged, finished,
# restored or bad (with a diagnostic).
classify() {
    if cmp -s "$img" "$base"; then result=unchanged; return; fi
    if [ "$1" = 0 ] && fsck_clean "$img" >/dev/null; then result=finished; return; fi
    if e2undo "$undo" "$img" >"$T/e2undo.out" 2>&1 && ! grep -q "Incomplete" "$T/e2undo.out" &&
        cmp -s "$img" "$base"; then
        result=restored
    else
        result=bad; diag "exit $1; e2undo: $(cat "$T/e2undo.out")"
    fi
}

# tally EXIT: classify and count.
tally() {
    classify "$1"
    case $result in
    unchanged) unchanged=$((unchanged + 1)) ;;
    restored) restored=$((restored + 1)) ;;
    finished) finished=$((finished + 1)) ;;
    *) bad=$((bad + 1)) ;;
    esac
}

# Part 1: a small tree, killed before each write of its commit.
mkdir -p "$T/small"
i=0; while [ $i -lt 200 ]; do i=$((i + 1)); printf 'file %s' $i >"$T/small/f$i"; done
mkdir -p "$T/small/d1/d2"; printf 'deep' >"$T/small/d1/d2/x"
cmd_small() { env ${1:+E4INLINE_TEST_FAULT=$1} "$E4INLINE" create "$img" --from-dir "$T/small" --into /small -p -z "$undo"; }
cp "$base" "$img"; rm -f "$undo"*
steps=$(cmd_small count 2>&1 >/dev/null | sed -n 's/.*commit=//p')
check "the small tree is written in ${steps:-?} commit steps" [ "${steps:-0}" -gt 2 ]
unchanged=0 restored=0 finished=0 bad=0 n=0
while [ "$n" -lt "${steps:-0}" ]; do
    n=$((n + 1))
    cp "$base" "$img"; rm -f "$undo"*
    cmd_small kill=$n >/dev/null 2>&1; rc=$?
    [ $rc = 137 ] || { bad=$((bad + 1)); diag "kill=$n: exit $rc, not killed"; continue; }
    tally $rc
done
diag "kill before commit step 1..$steps: $unchanged left the image unchanged, $restored restored by e2undo, $bad bad"
check "every kill point: image unchanged or restored byte for byte by e2undo" [ $bad = 0 ]
check "some kill points left a partly written image that e2undo restored" [ $restored -gt 0 ]

# Part 2: kills at times spread over a large --from-dir.
files=${E4I_KILL_FILES:-3000}
mkdir -p "$T/big"
( cd "$T/big" && i=0 && while [ $i -lt "$files" ]; do
    d=d$((i / 500)); [ -d $d ] || mkdir $d; printf 'content of %s\n' $i >$d/f$i; i=$((i + 1)); done )
cmd_big() { "$E4INLINE" create "$img" --from-dir "$T/big" --into /big -p -z "$undo"; }
cp "$base" "$img"; rm -f "$undo"*
start=$(date +%s.%N); cmd_big >/dev/null 2>&1; rc=$?; end=$(date +%s.%N)
check "the $files-file tree is written without a kill" [ $rc = 0 ]
took=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", b - a }')
diag "$files files took ${took}s"
unchanged=0 restored=0 finished=0 bad=0
for k in 1 2 3 4 5 6 7 8; do
    cp "$base" "$img"; rm -f "$undo"*
    delay=$(awk -v t="$took" -v k=$k 'BEGIN { printf "%.3f", t * k / 8.5 }')
    # exec: $! must be the e4inline process, not a subshell around it.
    ( exec "$E4INLINE" create "$img" --from-dir "$T/big" --into /big -p -z "$undo" >/dev/null 2>&1 ) & pid=$!
    sleep "$delay"; kill -9 $pid 2>/dev/null; { wait $pid; } 2>/dev/null; rc=$?
    tally $rc
done
diag "8 timed kills: $unchanged unchanged, $restored restored by e2undo, $finished finished first, $bad bad"
check "every timed kill: image unchanged, restored byte for byte by e2undo, or the write complete" [ $bad = 0 ]
done_testing
