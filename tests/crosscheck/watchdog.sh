#!/bin/sh
# crosscheck never leaves the filesystem frozen: not when killed with SIGKILL
# while it holds the freeze (its watchdog thaws), not on SIGTERM (its handler
# thaws), not when the check outlasts --max-freeze.
. "$E4I_SRCDIR/tests/lib.sh"
require_root_loop
command -v fsfreeze >/dev/null || skip_all "needs fsfreeze (util-linux)"

img=$T/img M=$T/mnt
mkimg "$img" 8M
mount_loop "$img" "$M" || skip_all "cannot loop-mount an ext4 image"
# Registered after the mount, so it runs before the unmount.
on_exit "fsfreeze -u '$M'"
echo hello >"$M/f"

# start_holding NAME: crosscheck in the background, holding the freeze for 30 s
# (testing hook); waits until it says so (up to 60 s: the walk before the
# freeze is slow on a busy machine, and waiting is not what is tested). Sets pid.
start_holding() {
    E4INLINE_TEST_HOLD_FREEZE_MS=30000 "$E4INLINE" crosscheck "$@" "$M" >/dev/null 2>"$T/err" &
    pid=$!
    i=0
    while ! grep -q "holding the freeze" "$T/err" 2>/dev/null && [ $i -lt 600 ]; do
        kill -0 $pid 2>/dev/null || break
        sleep 0.1; i=$((i + 1))
    done
    grep -q "holding the freeze" "$T/err"
}

# writable_within_1s NAME: a write to the filesystem completes within a second
# (ten on a busy machine: a thaw is immediate, a missed thaw blocks for good).
# The writer runs in the background: a writer blocked by a freeze cannot be killed.
writable_within_1s() {
    rm -f "$M/w.done"
    ( echo "$1" >"$M/w" && : >"$M/w.done" ) &
    wpid=$!
    i=0
    while [ ! -e "$M/w.done" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
    if [ -e "$M/w.done" ]; then ok "$1"; wait $wpid; return; fi
    not_ok "$1"
    fsfreeze -u "$M" 2>/dev/null
    wait $wpid
}

if start_holding; then
    ok "crosscheck holds the freeze (testing hook)"
    kill -9 $pid; wait $pid 2>/dev/null
    writable_within_1s "SIGKILL while frozen: a write succeeds within a second (the watchdog thawed)"
    sleep 0.2
    check "the watchdog says what it did" grep -q "watchdog: the checker died" "$T/err"
else
    not_ok "crosscheck holds the freeze (testing hook)"; diag "$(cat "$T/err")"; kill -9 $pid 2>/dev/null
fi

if start_holding; then
    kill -TERM $pid; wait $pid; rc=$?
    check "SIGTERM while frozen: the checker dies of it (exit 143)" [ $rc -eq 143 ]
    writable_within_1s "SIGTERM while frozen: a write succeeds within a second"
else
    not_ok "crosscheck holds the freeze for SIGTERM"; diag "$(cat "$T/err")"; kill -9 $pid 2>/dev/null
fi

E4INLINE_TEST_HOLD_FREEZE_MS=5000 "$E4INLINE" crosscheck --max-freeze 0.5 "$M" >"$T/out" 2>"$T/err"; rc=$?
check "--max-freeze 0.5 with a 5 s hold: exit 8, results discarded" \
    sh -c "[ $rc -eq 8 ] && grep -q 'thawed by someone else' '$T/err' && grep -q 'frozen for more than 500 ms' '$T/err'"
writable_within_1s "--max-freeze: a write succeeds afterwards"

# Already frozen by someone else: refuse, and do not thaw their freeze.
fsfreeze -f "$M"
"$E4INLINE" crosscheck "$M" >"$T/out" 2>&1; rc=$?
check "an already frozen filesystem is refused (8)" sh -c "[ $rc -eq 8 ] && grep -q 'already frozen' '$T/out'"
sleep 0.2
( : >"$M/still-frozen" ) & wpid=$!
sleep 0.5
if [ -e "$M/still-frozen" ]; then not_ok "someone else's freeze is left alone"; else ok "someone else's freeze is left alone"; fi
fsfreeze -u "$M"; wait $wpid

"$E4INLINE" crosscheck "$M" >"$T/out" 2>&1; rc=$?
check "afterwards the filesystem checks equal" [ $rc -eq 0 ]
umount "$M"
check "the image is clean after all this (e2fsck -fn)" fsck_clean "$img"
done_testing
