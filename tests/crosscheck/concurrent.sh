#!/bin/sh
# crosscheck reads the kernel's view before it freezes and proves it
# unchanged under the freeze. With writers at work on a large tree (appends
# across the inline capacity, truncates, stores through shared mappings of
# files in extents, renames), run after run: never a false mismatch, and
# what they changed is read again under the freeze. A byte changed on disk
# behind the kernel's back between the reading and the freeze is found.
. "$E4I_SRCDIR/tests/lib.sh"
. "$E4I_SRCDIR/tests/crosscheck/lib-crosscheck.sh"
require_root_loop
command -v python3 >/dev/null || skip_all "needs python3 for the writers"
command -v debugfs >/dev/null || skip_all "needs debugfs"
command -v fsfreeze >/dev/null || skip_all "needs fsfreeze (util-linux)"

img=$T/img M=$T/mnt
mkimg "$img" 96M -N 16384
mount_loop "$img" "$M" || skip_all "cannot loop-mount an ext4 image"
on_exit "fsfreeze -u '$M' 2>/dev/null"

# 6000 inline files in 20 directories, 24 files of 64 KiB in extents.
python3 - "$M" <<'PY'
import os, sys
root = sys.argv[1]
for d in range(20):
    os.mkdir(os.path.join(root, "d%02d" % d))
    for i in range(300):
        n = d * 300 + i
        with open(os.path.join(root, "d%02d" % d, "f%05d" % n), "wb") as f:
            f.write(bytes(33 + (n * 7 + k * 13) % 94 for k in range(1 + n % 120)))
os.mkdir(os.path.join(root, "ext"))
for i in range(24):
    with open(os.path.join(root, "ext", "e%02d" % i), "wb") as f:
        f.write(os.urandom(65536))
PY
sync -f "$M/."

# The writers: until STOP exists, each of three processes loops over the four
# kinds of change. Appends and truncates go to inline files (an append may
# cross the capacity and convert the file), stores go through MAP_SHARED
# mappings of the files in extents (never of inline files: that store is the
# kernel finding this suite records elsewhere), renames move a file to a new
# name and back. No O_TRUNC reopen and no truncate up: those lose data on
# these kernels (README, kernel findings), which crosscheck would then
# rightly report.
cat >"$T/writer.py" <<'PY'
import mmap, os, random, sys
root, stop, seed = sys.argv[1], sys.argv[2], int(sys.argv[3])
rnd = random.Random(seed)
ops = 0
while not os.path.exists(stop):
    d = "d%02d" % rnd.randrange(20)
    n = int(d[1:]) * 300 + rnd.randrange(300)
    p = os.path.join(root, d, "f%05d" % n)
    kind = rnd.randrange(4)
    try:
        if kind == 0:
            with open(p, "ab") as f:
                f.write(bytes(rnd.randrange(33, 127) for _ in range(rnd.randrange(1, 40))))
        elif kind == 1:
            size = os.stat(p).st_size
            os.truncate(p, rnd.randrange(0, size + 1))
        elif kind == 2:
            e = os.path.join(root, "ext", "e%02d" % rnd.randrange(24))
            fd = os.open(e, os.O_RDWR)
            m = mmap.mmap(fd, 65536)
            for _ in range(rnd.randrange(1, 8)):
                m[rnd.randrange(65536)] = rnd.randrange(256)
            m.close()
            os.close(fd)
        else:
            q = p + ".moved"
            os.rename(p, q)
            os.rename(q, p)
        ops += 1
    except FileNotFoundError:
        pass  # another writer has it under its other name just now
print(ops)
PY
rm -f "$T/stop"
for s in 1 2 3; do python3 "$T/writer.py" "$M" "$T/stop" $s >"$T/ops.$s" & done
on_exit "touch '$T/stop'; wait"

reps=${E4I_CONCURRENT_REPS:-25}
bad=0 changed=0 i=0
while [ $i -lt $reps ]; do
    i=$((i + 1))
    "$E4INLINE" crosscheck --json "$M" >"$T/out.json" 2>"$T/err"; rc=$?
    c=$(sed -n 's/^ *"changed": \([0-9]*\),*$/\1/p' "$T/out.json" | head -1)
    changed=$((changed + ${c:-0}))
    if [ $rc -ne 0 ]; then
        bad=$((bad + 1))
        [ $bad -eq 1 ] && diag "run $i: exit $rc" "$(head -c 3000 "$T/out.json")" "$(cat "$T/err")"
    fi
done
touch "$T/stop"; wait
ops=$(cat "$T/ops.1" "$T/ops.2" "$T/ops.3" | awk '{ s += $1 } END { print s + 0 }')
diag "$reps crosschecks, $ops changes by the writers, $changed files read again under the freeze"
check "$reps crosschecks with writers at work: every one exit 0, no false mismatch" [ $bad -eq 0 ]
check "the writers were at work during the checks (files were read again under the freeze)" [ "$changed" -gt 0 ]
"$E4INLINE" crosscheck "$M" >"$T/out" 2>&1; rc=$?
check "writers stopped: all equal, nothing read again" \
    sh -c "[ $rc -eq 0 ] && grep -q '^all equal$' '$T/out' && ! grep -q 'changed while checking' '$T/out'"

# --- a byte changed on disk behind the kernel's back during the check,
# after the kernel's view was read and before the freeze (testing hook).
mount -o remount,noatime "$M"
pattern_file "$M/victim" 100 5
exec 3<"$M/victim"
trap 'exec 3<&-; e4i_run_cleanup' EXIT
settle "$M"
dev=$(findmnt -no SOURCE "$M")
ino=$(stat -c %i "$M/victim"); pos=$(disk_pos "$img" "$ino")
E4INLINE_TEST_BEFORE_FREEZE="printf Z | dd of='$img' bs=1 seek=$((pos + 40 + 17)) conv=notrunc status=none && blockdev --flushbufs $dev" \
    "$E4INLINE" crosscheck "$M" /victim /d00 >"$T/out" 2>&1; rc=$?
check "a byte poked into the image between the reading and the freeze: exit 4" [ $rc -eq 4 ]
check "... found at exactly offset 17 of /victim" \
    grep -q "^/victim (inode $ino, regular): content mismatch: .*first difference at offset 17$" "$T/out"
check "... and nothing else differs" sh -c "grep -q '^1 mismatches (content 1)$' '$T/out'"
"$E4INLINE" crosscheck --walk-frozen "$M" /victim >"$T/out2" 2>&1; rc=$?
check "the old way (--walk-frozen) finds the same" \
    sh -c "[ $rc -eq 4 ] && grep -q 'first difference at offset 17$' '$T/out2'"
exec 3<&-
done_testing
