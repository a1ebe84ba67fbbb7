#!/bin/sh
# Issue 11 item 7: inputs that aborted the tool (exit 134) or a C program
# using the library. Each is now one line on stderr and a documented exit
# code, or a correct answer.
. "$E4I_SRCDIR/tests/lib.sh"

valid_json() { python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$1" 2>/dev/null; }

# An xattr whose name holds byte 0xFF, with a nonzero e_value_inum.
img=$T/xattr.img
mkimg "$img" 4M -O ^metadata_csum,^has_journal -I 256
"$E4INLINE" create "$img" /f --size 10 >/dev/null
debugfs -w -R "ea_set /f $(printf 'user.a\377b') val" "$img" >/dev/null 2>&1
entry=$("$E4INLINE" inspect "$img" /f | sed -n 's/^Xattr: "user.a\\xffb" index 1 entry \([0-9]*\) .*/\1/p')
loc=$(debugfs -R "imap /f" "$img" 2>/dev/null | sed -n 's/.*located at block \([0-9]*\), offset 0x\([0-9a-f]*\).*/\1 \2/p')
bs=$(dumpe2fs -h "$img" 2>/dev/null | sed -n 's/^Block size: *//p')
if [ -n "$entry" ] && [ -n "$loc" ] && [ -n "$bs" ]; then
    set -- $loc
    printf '\005\000\000\000' | dd of="$img" bs=1 seek=$(($1 * bs + $(printf '%d' "0x$2") + entry + 4)) \
        conv=notrunc 2>/dev/null
    "$E4INLINE" inspect --json "$img" /f >"$T/x.json" 2>"$T/x.err"
    check "inspect --json: xattr name with 0xFF and e_value_inum exits 0" test $? = 0
    check "inspect --json: the document is valid JSON" valid_json "$T/x.json"
    check "inspect --json: the name's exact bytes are in name_b64" grep -q '"name_b64": "dXNlci5h/2I="' "$T/x.json"
    check "inspect --json: the e_value_inum problem is reported" grep -q '"code": "xattr-value-inum"' "$T/x.json"
    capi=$E4I_BUILDDIR/tests/unit/capi-smoke
    if [ -x "$capi" ]; then
        "$capi" "$img" /f >"$T/capi.out" 2>&1
        check "e4i_inspect_json on the same inode returns to its C caller" grep -q '^json=has-capacity' "$T/capi.out"
    else
        skip "e4i_inspect_json on the same inode" "tests/unit/capi-smoke not built"
    fi
else
    not_ok "crafting an xattr name with 0xFF (entry '$entry', inode at '$loc', block size '$bs')"
fi

# crosscheck --manifest on manifests whose values have the wrong types.
good=$T/good.img
mkimg "$good" 4M
printf '{"format":1}' >"$T/m1.json"
printf '{"format":"e4inline-manifest","version":"1"}' >"$T/m2.json"
printf '{"format":"e4inline-manifest","version":1,"files":[{"path":7,"inode":1,"type":"regular","size":0,"sha256":""}]}' >"$T/m3.json"
printf '{"format":"e4inline-manifest","version":1,"files":[{"path":"/a","inode":-1,"type":"regular","size":0,"sha256":""}]}' >"$T/m4.json"
printf '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]' >"$T/m5.json"
expect_error "crosscheck --manifest: format is a number" 8 '"format" is a number, not a string' \
    "$E4INLINE" crosscheck "$good" --manifest "$T/m1.json"
expect_error "crosscheck --manifest: version is a string" 8 '"version" is a string' \
    "$E4INLINE" crosscheck "$good" --manifest "$T/m2.json"
expect_error "crosscheck --manifest: a path is a number" 8 'files\[0\]: "path" is a number' \
    "$E4INLINE" crosscheck "$good" --manifest "$T/m3.json"
expect_error "crosscheck --manifest: an inode is negative" 8 '"inode" is a negative number' \
    "$E4INLINE" crosscheck "$good" --manifest "$T/m4.json"
expect_error "crosscheck --manifest: nested too deep" 8 'nested deeper than 64' \
    "$E4INLINE" crosscheck "$good" --manifest "$T/m5.json"

# A directory as the content of a file.
mkdir -p "$T/adir"
expect_error "create --from DIR" 8 "adir: is a directory" "$E4INLINE" create "$good" /x --from "$T/adir"
printf '/y file @%s\n' "$T/adir" >"$T/dir.manifest"
expect_error "manifest @DIR names the directory and the line" 8 "adir.*dir.manifest:1" \
    "$E4INLINE" create "$good" --manifest "$T/dir.manifest"
check "neither wrote anything (e2fsck clean, no /x, no /y)" sh -c \
    "e2fsck -fn '$good' >/dev/null 2>&1 && ! '$E4INLINE' inspect '$good' /x 2>/dev/null && ! '$E4INLINE' inspect '$good' /y 2>/dev/null"

# snapshot of a filesystem holding a name that is not UTF-8, and the
# manifest read back by crosscheck --manifest (the name must survive).
if [ "$(id -u)" = 0 ] && [ -e /dev/loop-control ] && grep -qw ext4 /proc/filesystems; then
    snap=$T/snap.img
    mkdir -p "$T/tree"
    printf 'b\n' >"$T/tree/$(printf 'bad\377name')"
    printf 't\n' >"$T/tree/bad\\xffname"
    mke2fs -q -F -t ext4 -O inline_data -E root_owner=0:0 -d "$T/tree" "$snap" 4M >/dev/null 2>&1
    if mount_loop "$snap" "$T/mnt"; then
        "$E4INLINE" snapshot "$T/mnt" >"$T/snap.json" 2>"$T/snap.err"
        check "snapshot of a name with byte 0xFF exits 0" test $? = 0
        umount "$T/mnt"
        check "snapshot: the manifest is valid JSON" valid_json "$T/snap.json"
        check "snapshot: 0xFF and the text \\xff are two different entries" \
            test "$(grep -c '"path": "/bad' "$T/snap.json")" = 2
        "$E4INLINE" crosscheck "$snap" --manifest "$T/snap.json" >"$T/cc.out" 2>&1
        check "crosscheck --manifest finds both names in the image (all equal)" grep -q '^all equal' "$T/cc.out"
    else
        not_ok "mounting the snapshot image"
    fi
else
    skip "snapshot of a name with byte 0xFF" "needs root and loop devices"
fi
done_testing
