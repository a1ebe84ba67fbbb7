#!/bin/sh
# Issue 11 item 10: an inline inode whose i_file_acl points outside the
# filesystem, or at a block that is no xattr block, is a verify finding with
# e2fsck's problem code (e2fsck and the kernel both refuse such an inode).
. "$E4I_SRCDIR/tests/lib.sh"
command -v debugfs >/dev/null || skip_all "needs debugfs"

base=$T/base.img
mkimg "$base" 16M -O ^has_journal
"$E4INLINE" create "$base" /f --size 10 >/dev/null || { echo "Bail out! create failed"; exit 1; }
quietly() { "$@" >/dev/null 2>&1; }
check "the base image verifies clean" quietly "$E4INLINE" verify "$base"

# block 1 is the superblock (1 KiB blocks); 2147483648 is past the end.
for case in "1 xattr-block-bad PR_1_BAD_EA_BLOCK" "2147483648 xattr-block-out-of-range PR_2_FILE_ACL_BAD"; do
    set -- $case
    img=$T/acl-$1.img
    cp "$base" "$img"
    debugfs -w -R "sif /f file_acl $1" "$img" >/dev/null 2>&1
    e2fsck -fn "$img" >"$T/fsck" 2>&1
    check "file_acl $1: e2fsck -fn finds it (the oracle)" test $? -ne 0
    "$E4INLINE" verify --json "$img" >"$T/v.json"
    rc=$?
    check "file_acl $1: verify exits 4" test $rc = 4
    check "file_acl $1: finding $2 with $3" \
        grep -q "\"code\": \"$2\"" "$T/v.json"
    check "file_acl $1: e2fsck code $3 in the JSON" grep -q "\"e2fsck\": \"$3\"" "$T/v.json"
done
done_testing
