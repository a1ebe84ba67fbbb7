#!/bin/sh
# Every workload sizes its files from the inline capacity it probes on the mounted
# filesystem, not from the 128 bytes of 256-byte inodes: on mke2fs -I 512 (capacity
# 384) append-across-capacity must still convert its files and xattr-vs-write must
# still write past the capacity. The kernel is the oracle twice: lsattr on a file of
# exactly the capacity and one byte more, and debugfs on the unmounted image.
. "$E4I_SRCDIR/tests/lib.sh"
. "$E4I_SRCDIR/tests/stress/common.sh"
require_root_loop
command -v debugfs >/dev/null || skip_all "needs debugfs (e2fsprogs)"
command -v lsattr >/dev/null || skip_all "needs lsattr (e2fsprogs)"

# inline_on_image IMAGE PATH: debugfs shows EXT4_INLINE_DATA_FL (0x10000000) in the flags.
inline_on_image() {
    flags=$(debugfs -R "stat $2" "$1" 2>/dev/null | sed -n 's/.*Flags: \(0x[0-9a-f]*\).*/\1/p')
    [ -n "$flags" ] && [ $((flags & 0x10000000)) -ne 0 ]
}
# kernel_inline FILE: lsattr's flag field has N (inline data).
kernel_inline() { lsattr "$1" 2>/dev/null | cut -d' ' -f1 | grep -q N; }

for isize in 256 512; do
    case $isize in 256) want=128 ;; 512) want=384 ;; esac
    img=$T/i$isize.img M=$T/m$isize
    mkimg "$img" 16M -I "$isize"
    mount_loop "$img" "$M" || { not_ok "-I $isize: mount"; continue; }

    "$E4INLINE" stress "$M" --workload append-across-capacity --iterations 2 --seed 5 --json >"$T/a$isize.json"
    wrc=$?
    cap=$(report_field "$T/a$isize.json" inline_capacity)
    check "-I $isize: the probed capacity is $want (got $cap)" [ "$cap" = "$want" ]
    # The kernel's own answer: a single write of exactly the capacity is inline, one more byte is not.
    head -c "$want" /dev/zero | tr '\0' x >"$M/at-capacity"
    head -c $((want + 1)) /dev/zero | tr '\0' x >"$M/past-capacity"
    check "-I $isize: lsattr: a $want-byte file is inline" kernel_inline "$M/at-capacity"
    if kernel_inline "$M/past-capacity"; then not_ok "-I $isize: lsattr: a $((want + 1))-byte file is not inline"
    else ok "-I $isize: lsattr: a $((want + 1))-byte file is not inline"; fi
    check "-I $isize: append-across-capacity ran (exit 0 or 4, got $wrc)" [ "$wrc" -eq 0 -o "$wrc" -eq 4 ]

    "$E4INLINE" stress "$M" --workload xattr-vs-write --iterations 3 --seed 5 --json >"$T/x$isize.json"
    wrc=$?
    check "-I $isize: xattr-vs-write exit 0" [ "$wrc" -eq 0 ]
    xsize=$(report_files "$T/x$isize.json" | awk '$1 ~ /x0-2$/ { print $3 }')
    check "-I $isize: xattr-vs-write wrote past the capacity (final size ${xsize:-none} > $want)" [ "${xsize:-0}" -gt "$want" ]

    for w in truncate-down-up mmap-convert dir-grow-shrink; do
        "$E4INLINE" stress "$M" --workload "$w" --iterations 4 --seed 5 --json >"$T/$w-$isize.json"
        check "-I $isize: $w exit 0" [ $? -eq 0 ]
        check "-I $isize: $w sized from capacity $want" [ "$(report_field "$T/$w-$isize.json" inline_capacity)" = "$want" ]
    done
    umount "$M"
    check "-I $isize: e2fsck -fn clean" fsck_clean "$img"

    # append-across-capacity grew each file to the capacity + 172 bytes: each was
    # converted, so the image holds extent files (never inline again after O_TRUNC).
    n=0 still=0
    for f in $(report_files "$T/a$isize.json" | cut -d' ' -f1); do
        n=$((n + 1))
        inline_on_image "$img" "$f" && { still=$((still + 1)); diag "$f is still inline on the image"; }
    done
    check "-I $isize: append-across-capacity left $n files, none inline on the image" [ "$n" -eq 4 -a "$still" -eq 0 ]
    if inline_on_image "$img" /e4inline-stress/x0-2; then
        not_ok "-I $isize: xattr-vs-write's file was converted on the image"
    else
        ok "-I $isize: xattr-vs-write's file was converted on the image"
    fi
    check "-I $isize: the at-capacity file is inline on the image" inline_on_image "$img" /at-capacity
done
done_testing
