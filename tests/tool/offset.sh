#!/bin/sh
# IMAGE?offset=N, as e2fsprogs reads it: a filesystem 1 MiB into a larger
# file is read by inspect, cat and verify, written by create and convert
# (the bytes before it untouched), checked by e2fsck and a kernel mount at
# that offset, and restored by e2undo from an undo file that records the
# offset. Also the "while opening IMAGE" wording and a bad offset.
. "$E4I_SRCDIR/tests/lib.sh"
off=1048576
img=$T/big.img
mkdir -p "$T/src"; pattern_file "$T/src/f" 61
printf 'x%.0s' $(seq 1 300) >"$T/src/big"
truncate -s 10M "$img"
# A pattern before the filesystem, which no write may change.
yes before-the-filesystem | head -c $off | dd of="$img" conv=notrunc status=none
mke2fs -q -F -t ext4 -O inline_data -E offset=$off,root_owner=0:0 -d "$T/src" "$img" 8M >/dev/null 2>&1 ||
    skip_all "mke2fs -E offset= failed"
head -c $off "$img" >"$T/head.before"
at="$img?offset=$off"

"$E4INLINE" cat "$at" /f >"$T/cat" 2>"$T/err"
check "cat reads a file at ?offset=" same_bytes "$T/cat" "$T/src/f"
"$E4INLINE" inspect --json "$at" /f >"$T/json" 2>"$T/err"
check "inspect reports it inline" grep -q '"storage": "inline"' "$T/json"
"$E4INLINE" verify "$at" >"$T/verify" 2>&1
check "verify is clean at ?offset=" grep -qx "clean: no findings" "$T/verify"
check "verify names the image as given" grep -q "^$at: " "$T/verify"
"$E4INLINE" inspect "${at%$off}0x100000" /f >/dev/null 2>&1
check "the offset may be hexadecimal, as strtoull reads it" [ $? = 0 ]

"$E4INLINE" create -z "$T/create.undo" --from "$T/src/f" "$at" /new >/dev/null 2>"$T/err"
check "create writes at ?offset=" [ $? = 0 ]
"$E4INLINE" convert --to extents "$at" /f >/dev/null 2>"$T/err"
check "convert writes at ?offset=" [ $? = 0 ]
"$E4INLINE" convert --to inline "$at" /big >/dev/null 2>&1
"$E4INLINE" inspect --json "$at" /f >"$T/json" 2>&1
check "the converted file is in extents" grep -q '"storage": "extents"' "$T/json"
head -c $off "$img" >"$T/head.after"
check "the bytes before the filesystem are unchanged" same_bytes "$T/head.before" "$T/head.after"
check "e2fsck -fn IMAGE?offset= is clean" fsck_clean "$at"

if [ "$(id -u)" = 0 ] && command -v losetup >/dev/null && grep -qw ext4 /proc/filesystems; then
    mkdir -p "$T/mnt"
    if mount -o loop,ro,offset=$off "$img" "$T/mnt" 2>"$T/err"; then
        on_exit "umount '$T/mnt'"
        check "the kernel reads the created file" same_bytes "$T/mnt/new" "$T/src/f"
        check "the kernel reads the converted file" same_bytes "$T/mnt/f" "$T/src/f"
        expect_error "a write to the mounted filesystem at its offset is refused" 8 \
            "big.img?offset=$off: filesystem is mounted on $T/mnt; refusing to write" \
            "$E4INLINE" create "$at" /refused
        umount "$T/mnt"
    else
        skip "kernel mount at the offset" "$(head -1 "$T/err")"
    fi
else
    skip "kernel mount at the offset" "needs root, losetup and ext4"
fi

# The undo file records the offset (e2undo's fs_offset header field), so
# e2undo is given the plain file name. It undoes the create; the convert
# came later and has its own undo file, so first undo that one.
"$E4INLINE" convert -z "$T/convert.undo" --to inline "$at" /f >/dev/null 2>&1
"$E4INLINE" inspect --json "$at" /f >"$T/json" 2>&1
check "convert -z back to inline at ?offset=" grep -q '"storage": "inline"' "$T/json"
e2undo -h "$T/convert.undo" "$img" >"$T/hdr" 2>&1
check "the undo file records the offset" grep -qx "fs offset:	$off" "$T/hdr"
e2undo "$T/convert.undo" "$img" >"$T/e2undo.out" 2>&1
check "e2undo restores the convert at the recorded offset" [ $? = 0 ]
"$E4INLINE" inspect --json "$at" /f >"$T/json" 2>&1
check "after e2undo the file is in extents again" grep -q '"storage": "extents"' "$T/json"
check "e2fsck is clean after e2undo" fsck_clean "$at"

# Another filesystem in the same file, ending before ours (in its first
# MiB), mounted through a loop device with that window: it does not make
# ours mounted, and the whole-file write of it is still refused.
if [ "$(id -u)" = 0 ] && command -v losetup >/dev/null && grep -qw ext2 /proc/filesystems &&
    mke2fs -q -F -t ext2 -E nodiscard "$img" 1M >/dev/null 2>&1; then
    mkdir -p "$T/mnt0"
    if mount -o loop,ro,sizelimit=$off "$img" "$T/mnt0" 2>"$T/err"; then
        on_exit "umount '$T/mnt0'"
        "$E4INLINE" create "$at" /beside-a-mount >/dev/null 2>"$T/err"
        check "a mount of the first MiB does not block a write after it" [ $? = 0 ]
        expect_error "but a write to the first MiB's filesystem is refused" 8 "filesystem is mounted on $T/mnt0" \
            "$E4INLINE" create "$img" /refused
        umount "$T/mnt0"
        check "e2fsck is clean after the write beside the mount" fsck_clean "$at"
    else
        skip "a mount of another window of the file" "$(head -1 "$T/err")"
    fi
else
    skip "a mount of another window of the file" "needs root, losetup and ext2"
fi

# --- --partition N through the tool: a GPT image whose partition 2 holds the
# filesystem, read, listed and written by the commands, checked by e2fsck and
# debugfs on exactly the partition's bytes.
if command -v sfdisk >/dev/null; then
    pimg=$T/parts.img
    truncate -s 12M "$pimg"
    printf 'label: gpt\nstart=2048, size=4096\nstart=6144, size=16384\n' | sfdisk -q "$pimg" >/dev/null 2>&1
    poff=$((6144 * 512))
    mke2fs -q -F -t ext4 -O inline_data -E offset=$poff,root_owner=0:0 -d "$T/src" "$pimg" 8M >/dev/null 2>&1
    head -c $poff "$pimg" >"$T/phead.before"
    "$E4INLINE" cat --partition 2 "$pimg" /f >"$T/pcat" 2>"$T/err"
    check "cat --partition 2 reads the file in partition 2" same_bytes "$T/pcat" "$T/src/f"
    "$E4INLINE" list --partition 2 "$pimg" >"$T/plist" 2>"$T/err"
    check "list --partition 2 lists the inline file /f" grep -q ' /f$' "$T/plist"
    "$E4INLINE" create --partition 2 --from "$T/src/f" "$pimg" /p2new >/dev/null 2>"$T/err"
    check "create --partition 2 writes" [ $? = 0 ]
    head -c $poff "$pimg" >"$T/phead.after"
    check "... the partition table and partition 1 are unchanged" same_bytes "$T/phead.before" "$T/phead.after"
    check "... e2fsck -fn of the partition is clean" fsck_clean "$pimg?offset=$poff"
    debugfs -R "cat /p2new" "$pimg?offset=$poff" >"$T/pdebugfs" 2>/dev/null
    check "... debugfs reads the new file back from the partition" same_bytes "$T/pdebugfs" "$T/src/f"
    expect_error "--partition 3 of a table with 2" 8 "has no partition 3 (it has 2)" \
        "$E4INLINE" cat --partition 3 "$pimg" /f
    expect_error "--partition of an image without a table" 8 "no partition table (asked for partition 1)" \
        "$E4INLINE" cat --partition 1 "$T/src/f" /f
else
    skip "--partition through the tool" "needs sfdisk (Debian fdisk)"
fi

expect_error "a missing image reads 'while opening IMAGE'" 8 \
    "^e4inline: No such file or directory while opening $T/nothere.img?offset=$off\$" \
    "$E4INLINE" cat "$T/nothere.img?offset=$off" /f
expect_error "a bad offset is a usage error" 16 "big.img?offset=12k: bad offset '12k'" \
    "$E4INLINE" cat "$img?offset=12k" /f
expect_error "an offset with no filesystem says so" 8 "Bad magic number in super-block while opening $img?offset=4096" \
    "$E4INLINE" cat "$img?offset=4096" /f
done_testing
