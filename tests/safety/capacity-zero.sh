#!/bin/sh
# With 128-byte inodes there is no in-inode xattr space, so a new inode
# holds 0 bytes inline. When inline_data is forced on such a filesystem,
# `create --dir` (and -p making a parent) is refused as an over-capacity
# file is, instead of writing a directory e2fsck rejects.
. "$E4I_SRCDIR/tests/lib.sh"

img=$T/i128.img
rm -f "$img"
mke2fs -q -F -t ext4 -I 128 "$img" 8M >/dev/null 2>&1 || { not_ok "mke2fs -I 128"; done_testing; }
debugfs -w -R "feature inline_data" "$img" >/dev/null 2>&1
check "inline_data is forced on" sh -c "dumpe2fs -h '$img' 2>/dev/null | grep -q inline_data"
cp "$img" "$T/orig"

"$E4INLINE" create "$img" /d --dir >"$T/out" 2>&1; rc=$?
check "create --dir exits 1 (not applicable)" [ $rc = 1 ]
check "and says a new inode holds 0 bytes inline" grep -q "holds 0 bytes inline" "$T/out"
check "and changes nothing" same_bytes "$img" "$T/orig"
"$E4INLINE" create "$img" /d --dir --dry-run >"$T/out" 2>&1; rc=$?
check "create --dir --dry-run is refused the same way" [ $rc = 1 ]
"$E4INLINE" create "$img" /p/f --size 0 -p >"$T/out" 2>&1; rc=$?
check "create -p that would make a parent directory exits 1" [ $rc = 1 ]
check "and changes nothing" same_bytes "$img" "$T/orig"
"$E4INLINE" create "$img" /f --size 1 >"$T/out" 2>&1; rc=$?
check "a 1-byte file is refused too (the rule directories now follow)" [ $rc = 1 ]
check "e2fsck is clean" fsck_clean "$img"
done_testing
