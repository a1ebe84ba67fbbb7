#!/bin/sh
# fill and bitmap-full through the kernel: the next block allocation fails
# with ENOSPC, while the inline file stays readable and writable in place.
. "$E4I_SRCDIR/tests/lib.sh"
require_root_loop

src=$T/src
mkdir -p "$src"
printf 'ten bytes\n' >"$src/small"
for kind in fill bitmap-full; do
    img=$T/$kind.img
    mke2fs -q -F -t ext4 -O inline_data -E lazy_itable_init=0,root_owner=0:0 -d "$src" "$img" 8M >/dev/null 2>&1
    target=/; [ $kind = fill ] && target=/fill
    check "$kind: craft" sh -c "'$E4INLINE' craft '$img' $target $kind >/dev/null"
    mnt=$T/mnt-$kind
    if ! mount_loop "$img" "$mnt"; then not_ok "$kind: mount"; continue; fi
    if dd if=/dev/zero of="$mnt/new" bs=4096 count=4 conv=fsync 2>"$T/dd.err"; then
        not_ok "$kind: writing 16 KiB fails"; diag "dd succeeded"
    else
        check "$kind: writing 16 KiB fails with ENOSPC" grep -q "No space left on device" "$T/dd.err"
    fi
    check "$kind: the inline file still reads back" sh -c "printf 'ten bytes\n' | cmp -s - '$mnt/small'"
    check "$kind: an in-place inline write still works" sh -c \
        "printf 'TEN' | dd of='$mnt/small' conv=notrunc,fsync 2>/dev/null && head -c 3 '$mnt/small' | grep -qx TEN"
    umount "$mnt"
    if [ $kind = fill ]; then
        check "$kind: e2fsck -fn clean after the kernel ran" fsck_clean "$img"
    fi
done
done_testing
