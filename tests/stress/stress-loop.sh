#!/bin/sh
# The safe workloads on a loop-mounted image of this machine: each must finish with
# verdict ok, and what it says the files hold must be what e4inline cat reads from
# the unmounted image (the workload's own page-cache check, confirmed on disk).
. "$E4I_SRCDIR/tests/lib.sh"
. "$E4I_SRCDIR/tests/stress/common.sh"
require_root_loop

# mmap-then-fsync and append-across-capacity are in findings.sh: they find the kernel's
# data loss (findings (a) and (b) of the reference), an expected failure there.
for w in truncate-down-up mmap-convert dir-grow-shrink xattr-vs-write; do
    img=$T/$w.img
    mkimg "$img" 16M
    mount_loop "$img" "$T/mnt-$w" || { not_ok "$w: mount"; continue; }
    "$E4INLINE" stress "$T/mnt-$w" --workload "$w" --iterations 8 --threads 2 --seed 7 --json >"$T/$w.json"
    rc=$?
    check "$w: exit 0" [ "$rc" -eq 0 ]
    check "$w: verdict ok" [ "$(report_field "$T/$w.json" verdict)" = ok ]
    check "$w: 8 iterations done" [ "$(report_field "$T/$w.json" iterations)" = 8 ]
    # The post-workload cross-check (page cache against disk under a freeze) ran on
    # the work directory and found the two views equal.
    check "$w: cross-check ran" grep -q '^    "ran": true,$' "$T/$w.json"
    check "$w: cross-check status equal" grep -q '^    "status": "equal",$' "$T/$w.json"
    ccfiles=$(sed -n 's/^      "inodes": \([0-9]*\),$/\1/p' "$T/$w.json")   # crosscheck --json's counts.inodes
    check "$w: cross-check compared the workload's files (${ccfiles:-none})" [ "${ccfiles:-0}" -gt 1 ]
    check "$w: cross-check reports its freeze time" grep -q '^    "freeze_ms": [0-9.e-]*,$' "$T/$w.json"
    check "$w: cross-check found no mismatches" grep -q '^    "mismatches": \[\],$' "$T/$w.json"
    umount "$T/mnt-$w"
    check "$w: e2fsck -fn clean after the run" fsck_clean "$img"
    check "$w: the unmounted image holds the content written" image_matches_report "$img" "$T/$w.json"
done

# A wrong expectation must be caught: corrupt one expected file on the image (through
# the kernel) and the comparison with the report has to fail.
img=$T/truncate-down-up.img
f=$(report_files "$T/truncate-down-up.json" | head -1 | cut -d' ' -f1)
mount_loop "$img" "$T/mnt-again"
printf 'Z' | dd of="$T/mnt-again$f" bs=1 seek=0 conv=notrunc 2>/dev/null
umount "$T/mnt-again"
if image_matches_report "$img" "$T/truncate-down-up.json" >/dev/null 2>&1; then
    not_ok "a changed byte on the image is told apart from the report"
else
    ok "a changed byte on the image is told apart from the report"
fi

# The same run with the same seed writes the same content.
mkimg "$T/again.img" 16M
mount_loop "$T/again.img" "$T/mnt-seed"
"$E4INLINE" stress "$T/mnt-seed" --workload dir-grow-shrink --iterations 8 --threads 2 --seed 7 --json >"$T/again.json"
check "a seed gives the same expected files" [ "$(report_files "$T/again.json")" = "$(report_files "$T/dir-grow-shrink.json")" ]

# The text report carries the verdict line.
"$E4INLINE" stress "$T/mnt-seed" --workload mmap-convert --iterations 2 >"$T/text.out"
check "text report ends in a verdict" grep -qx 'Verdict: ok' "$T/text.out"
check "text report has the cross-check line" grep -q '^Cross-check: equal ([0-9]* files, .* frozen [0-9.]* ms)$' "$T/text.out"

# ext4 without inline_data: nothing to stress, refused (exit 1) and left as found.
mke2fs -q -F -t ext4 "$T/plain.img" 8M >/dev/null 2>&1
mount_loop "$T/plain.img" "$T/mnt-plain"
"$E4INLINE" stress "$T/mnt-plain" --workload mmap-convert --iterations 1 >/dev/null 2>"$T/err"
check "ext4 without inline_data is refused with exit 1" [ $? -eq 1 ]
check "the refusal says small files are not inline" grep -q 'not stored inline' "$T/err"
check "the refusal names --control" grep -q -- '--control runs the workload anyway' "$T/err"
check "and leaves no work directory behind" [ ! -e "$T/mnt-plain/e4inline-stress" ]

# Not ext4: refused as not applicable (exit 1).
mkdir -p "$T/tmpfs"
if mount -t tmpfs none "$T/tmpfs" 2>/dev/null; then
    on_exit "umount '$T/tmpfs'"
    "$E4INLINE" stress "$T/tmpfs" --workload mmap-convert --iterations 1 >/dev/null 2>"$T/err"
    check "a tmpfs is refused with exit 1" [ $? -eq 1 ]
    check "the refusal names the reason" grep -q 'not an ext4 filesystem' "$T/err"
else
    skip "a tmpfs is refused" "cannot mount tmpfs"
fi
done_testing
