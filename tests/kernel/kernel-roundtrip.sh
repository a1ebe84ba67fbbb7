#!/bin/sh
# Kernel-created inline files read identically through the tool: mount an
# image, write files with one write(2) each at every size from 0 to the
# capacity (and one past it), grow an inline directory into system.data,
# unmount, then `cat` must return exactly what was written and `inspect` must
# agree with the kernel about what is inline.
. "$E4I_SRCDIR/tests/lib.sh"
require_root_loop

field() { sed -n "s/^$1: //p"; }

for isize in 256 512; do
    img=$T/k$isize.img mnt=$T/mnt$isize
    mkimg "$img" 16M -I $isize -N 2048 || { not_ok "mke2fs with $isize-byte inodes"; continue; }
    mount_loop "$img" "$mnt" || { not_ok "mount $img"; continue; }
    cap=$("$E4INLINE" inspect "$img" '<2>' | field "Inline capacity")
    mkdir -p "$T/exp$isize"
    n=0
    while [ $n -le $((cap + 1)) ]; do
        pattern_file "$T/exp$isize/f$n" $n $((n + isize))
        if [ $n = 0 ]; then : >"$mnt/f$n"; else dd if="$T/exp$isize/f$n" of="$mnt/f$n" bs=$n count=1 status=none; fi
        n=$((n + 1))
    done
    # Appended across the 60-byte boundary in two writes.
    head -c 50 "$T/exp$isize/f100" >"$mnt/append"; tail -c 50 "$T/exp$isize/f100" >>"$mnt/append"
    # A directory whose entries outgrow i_block: the kernel moves them on into system.data.
    mkdir "$mnt/d"
    for i in 1 2 3 4 5; do : >"$mnt/d/name-$i"; done
    ls -1 "$mnt/d" | sort >"$T/kernel-ls$isize"
    lsattr -d "$mnt/d" 2>/dev/null | grep -q '^[^ ]*N' ; dir_inline_kernel=$?
    sync
    if [ -x "$E4I_BUILDDIR/tests/unit/capi-smoke" ]; then
        "$E4I_BUILDDIR/tests/unit/capi-smoke" -w "$img" /f1 >/dev/null 2>"$T/err"; rc=$?
        check "$isize-byte inodes: opening the loop-mounted image read-write is refused" \
            [ $rc = 8 ] && grep -q "mounted on $mnt" "$T/err"
        "$E4I_BUILDDIR/tests/unit/capi-smoke" "$img" /f1 >/dev/null 2>&1
        check "$isize-byte inodes: opening it read-only while mounted works" [ $? = 0 ]
    else
        skip "read-write refusal while mounted" "capi-smoke not built"
    fi
    umount "$mnt"

    bad=0 wrong_storage=0
    n=0
    while [ $n -le $((cap + 1)) ]; do
        "$E4INLINE" cat "$img" /f$n >"$T/got" 2>"$T/err" || diag "cat /f$n: $(cat "$T/err")"
        cmp -s "$T/got" "$T/exp$isize/f$n" || { bad=$((bad + 1)); diag "/f$n differs"; }
        storage=$("$E4INLINE" inspect "$img" /f$n | field Storage)
        if [ $n = 0 ]; then want=extents; elif [ $n -le "$cap" ]; then want=inline; else want=extents; fi
        [ "$storage" = $want ] || { wrong_storage=$((wrong_storage + 1)); diag "/f$n: storage $storage, expected $want"; }
        n=$((n + 1))
    done
    check "$isize-byte inodes: cat returns what write(2) wrote, sizes 0..$((cap + 1))" [ $bad = 0 ]
    check "$isize-byte inodes: kernel files 1..$cap are inline, 0 and $((cap + 1)) are not" [ $wrong_storage = 0 ]
    "$E4INLINE" cat "$img" /append | cmp -s - "$T/exp$isize/f100"
    check "$isize-byte inodes: a file appended across 60 bytes reads back" [ $? = 0 ]

    "$E4INLINE" inspect "$img" /d >"$T/d.txt"
    check "$isize-byte inodes: kernel's lsattr shows the directory inline" [ $dir_inline_kernel = 0 ]
    check "$isize-byte inodes: the directory is inline on disk" [ "$(field Storage <"$T/d.txt")" = inline ]
    sd=$(field system.data <"$T/d.txt" | cut -d' ' -f1)
    check "$isize-byte inodes: the directory grew into system.data ($sd bytes)" [ "${sd:-0}" -gt 0 ]
    sed -n 's/^Entry: [1-9][0-9]* "\(.*\)" rec_len.*/\1/p' "$T/d.txt" | sort >"$T/ours"
    check "$isize-byte inodes: inline directory entries equal the kernel's readdir" cmp -s "$T/ours" "$T/kernel-ls$isize"
    check "$isize-byte inodes: e2fsck clean after the kernel's writes" fsck_clean "$img"
done
done_testing
