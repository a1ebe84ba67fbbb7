#!/bin/sh
# Runs contrib/xfstests' example tests without an xfstests checkout: a minimal
# stand-in for xfstests' common/preamble and common/rc (the helpers those tests
# call), a scratch "device" that is an image file mounted with -o loop, and
# E4INLINE_PROG pointing at the build. Each test's stdout must equal its golden
# .out; a test that calls _notrun (a command not built yet) is a skip with its reason.
. "$E4I_SRCDIR/tests/lib.sh"
require_root_loop
command -v bash >/dev/null || skip_all "needs bash"

x=$T/xfstests
mkdir -p "$x/common" "$x/results" "$x/tests" "$T/scratch"
cp "$E4I_SRCDIR/contrib/xfstests/common/e4inline" "$x/common/"
cp -r "$E4I_SRCDIR/contrib/xfstests/tests/ext4" "$x/tests/"

cat >"$x/common/preamble" <<'STUB'
# Stand-in for xfstests' common/preamble: only what the e4inline tests use.
. ./common/rc
_begin_fstest()
{
	seq=$(basename "$0")
	seqres=$RESULT_DIR/$seq
	status=1
	trap "_cleanup_fstest; exit \$status" 0 1 2 3 15
	echo "QA output created by $seq"
}
_cleanup_fstest()
{
	mountpoint -q "$SCRATCH_MNT" && umount "$SCRATCH_MNT"
}
STUB
cat >"$x/common/rc" <<'STUB'
# Stand-in for xfstests' common/rc: the scratch device is an image file.
_notrun() { echo "$*" > "$seqres.notrun"; status=0; exit; }
_fail() { echo "$*" | tee -a "$seqres.full"; status=1; exit 1; }
_require_scratch()
{
	[ -n "$SCRATCH_DEV" ] && [ -n "$SCRATCH_MNT" ] || _notrun "this test requires a scratch device"
}
_scratch_mkfs() { mke2fs -q -F -t ext4 -E root_owner=0:0 "$@" "$SCRATCH_DEV"; }
_scratch_mount() { mount -o loop "$SCRATCH_DEV" "$SCRATCH_MNT" || _fail "mount failed"; }
_scratch_unmount() { umount "$SCRATCH_MNT"; }
STUB

for t in e4i-001 e4i-002; do
    rm -f "$T/scratch.img" "$x/results/$t".*
    truncate -s 32M "$T/scratch.img"
    (cd "$x" && E4INLINE_PROG=$E4INLINE SCRATCH_DEV=$T/scratch.img SCRATCH_MNT=$T/scratch \
        RESULT_DIR=$x/results bash "tests/ext4/$t" >"$T/$t.out" 2>"$T/$t.err")
    rc=$?
    mountpoint -q "$T/scratch" && { umount "$T/scratch"; not_ok "$t left the scratch fs mounted"; }
    if [ -f "$x/results/$t.notrun" ]; then
        skip "$t matches $t.out" "not run: $(cat "$x/results/$t.notrun")"
        check "$t: a not-run test printed only its header" [ "$(cat "$T/$t.out")" = "QA output created by $t" ]
        continue
    fi
    check "$t: exit status 0" [ $rc -eq 0 ]
    [ -s "$T/$t.err" ] && diag "$t stderr:" "$(head -20 "$T/$t.err")"
    expect_output "$t matches $t.out" "$E4I_SRCDIR/contrib/xfstests/tests/ext4/$t.out" "$T/$t.out"
    # Which case of the mmap store this kernel is in (e4i-002 pins only the agreement).
    [ -f "$x/results/$t.full" ] && grep -q '^mmap store:' "$x/results/$t.full" &&
        diag "$t on $(uname -r): $(grep '^mmap store:' "$x/results/$t.full")"
done

# The guard itself: with a tool lacking a command, _require_e4inline says which.
cat >"$T/fake-e4inline" <<'FAKE'
#!/bin/sh
printf 'Commands:\n  inspect     show\n  cat         bytes\n'
FAKE
chmod +x "$T/fake-e4inline"
out=$(cd "$x" && seqres=$T/guard E4INLINE_PROG=$T/fake-e4inline bash -c '
    . ./common/rc; . ./common/e4inline; _require_e4inline inspect; echo passed-inspect; _require_e4inline crosscheck; echo passed-crosscheck')
check "_require_e4inline passes a command the tool has" [ "$out" = passed-inspect ]
check "_require_e4inline names the missing command" grep -q "no 'crosscheck' command" "$T/guard.notrun"
(cd "$x" && seqres=$T/guard2 E4INLINE_PROG=/nonexistent/e4inline bash -c '. ./common/rc; . ./common/e4inline; _require_e4inline')
check "_require_e4inline without the tool does not run the test" grep -q 'e4inline not found' "$T/guard2.notrun"
done_testing
