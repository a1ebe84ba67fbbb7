#!/bin/sh
# e4inline list: every inline inode under a path, and nothing else; the exact
# text and the JSON; a missing path is one line and exit 8; read-only.
. "$E4I_SRCDIR/tests/lib.sh"
command -v debugfs >/dev/null || skip_all "needs debugfs"

# A tree made by mke2fs -d: files of several sizes (all inline up to the
# capacity of 128), an inline directory, an inline symlink (80-byte target),
# a fast symlink and a 5000-byte file in extents (neither is inline).
src=$T/src
mkdir -p "$src/d/sub"
for n in 0 10 60 100 128; do pattern_file "$src/f$n" $n $n; done
pattern_file "$src/big" 5000
pattern_file "$src/d/a" 40
pattern_file "$src/d/sub/b" 70
ln -s "$(awk 'BEGIN { for (i = 0; i < 80; i++) printf "%c", 97 + i % 26 }')" "$src/longlink"
ln -s f10 "$src/shortlink"
img=$T/list.img
mke2fs -q -F -t ext4 -O inline_data -E root_owner=0:0 -d "$src" "$img" 4M >/dev/null 2>&1 ||
    skip_all "mke2fs -d failed"
cp "$img" "$T/before.img"

# The inode numbers as debugfs sees them (mke2fs -d numbers in readdir order).
ino() { debugfs -R "stat $1" "$img" 2>/dev/null | sed -n 's/^Inode: \([0-9]*\) .*/\1/p'; }
row() { printf '%5s  %-9s  %4s  %6s  %8s  %4s  %s\n' "$(ino "$1")" "$2" "$3" "$4" 128 "$5" "$1"; }

{
    printf '%5s  %-9s  %4s  %6s  %8s  %4s  %s\n' INODE TYPE SIZE IN_USE CAPACITY FULL PATH
    row /d directory 60 60 46%
    row /d/a regular 40 60 46%
    row /d/sub directory 60 60 46%
    row /d/sub/b regular 70 70 54%
    row /f0 regular 0 60 46%
    row /f10 regular 10 60 46%
    row /f100 regular 100 100 78%
    row /f128 regular 128 128 100%
    row /f60 regular 60 60 46%
    row /longlink symlink 80 80 62%
} >"$T/want"
"$E4INLINE" list "$img" >"$T/got" 2>"$T/err"; rc=$?
check "list exits 0 with nothing on stderr" [ $rc = 0 ] && [ ! -s "$T/err" ]
expect_output "list / prints every inline inode, in name order, aligned" "$T/want" "$T/got"
for p in /big /shortlink /lost+found /; do
    ! grep -q " $p\$" "$T/got"; check "list leaves out $p (not inline)" [ $? = 0 ]
done

# Column widths follow what is listed: here the longest type is "directory".
{
    printf '%5s  %-9s  %4s  %6s  %8s  %4s  %s\n' INODE TYPE SIZE IN_USE CAPACITY FULL PATH
    row /d/sub directory 60 60 46%
    row /d/sub/b regular 70 70 54%
} >"$T/want-sub"
"$E4INLINE" list "$img" /d/sub >"$T/got-sub" 2>&1
expect_output "list /d/sub: the directory itself and what is under it" "$T/want-sub" "$T/got-sub"
"$E4INLINE" list "$img" d/sub/ >"$T/got-sub2" 2>&1
expect_output "list d/sub/ names paths as list /d/sub does" "$T/want-sub" "$T/got-sub2"
{
    printf '%5s  %-7s  %4s  %6s  %8s  %4s  %s\n' INODE TYPE SIZE IN_USE CAPACITY FULL PATH
    printf '%5s  %-7s  %4s  %6s  %8s  %4s  %s\n' "$(ino /f100)" regular 100 100 128 78% /f100
} >"$T/want-f"
"$E4INLINE" list "$img" /f100 >"$T/got-f" 2>&1
expect_output "list of one inline file: just that file" "$T/want-f" "$T/got-f"
"$E4INLINE" list "$img" /big >"$T/got-big" 2>&1
echo "INODE  TYPE  SIZE  IN_USE  CAPACITY  FULL  PATH" >"$T/want-big"
expect_output "list of a file in extents: the header alone" "$T/want-big" "$T/got-big"

# JSON: one object per line of the text, with the same values.
if command -v jq >/dev/null; then
    "$E4INLINE" list --json "$img" >"$T/json" 2>&1
    jq -r '.[] | [.inode, .type, .size, .in_use, .capacity, "\(.fullness)%", .path] | @tsv' "$T/json" >"$T/json.tsv"
    tail -n +2 "$T/want" | awk '{ printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", $1, $2, $3, $4, $5, $6, $7 }' >"$T/want.tsv"
    expect_output "list --json holds the rows of the text" "$T/want.tsv" "$T/json.tsv"
    jq -e 'all(.[]; keys_unsorted == ["inode", "path", "type", "size", "in_use", "capacity", "fullness"])' \
        "$T/json" >/dev/null
    check "list --json: every object has the documented keys, in order" [ $? = 0 ]
else
    skip "list --json holds the rows of the text" "no jq"
    skip "list --json: every object has the documented keys, in order" "no jq"
fi

# A name that is not UTF-8: escaped in the text, lossless in JSON.
mkdir -p "$T/src8"
printf x >"$T/src8/$(printf 'n\377')"
mke2fs -q -F -t ext4 -O inline_data -E root_owner=0:0 -d "$T/src8" "$T/names.img" 4M >/dev/null 2>&1
"$E4INLINE" list "$T/names.img" | grep -q ' /n\\xff$'
check "a name that is not UTF-8 is escaped as \\xNN in the text" [ $? = 0 ]
if command -v jq >/dev/null; then
    b64=$(printf '/n\377' | base64)
    "$E4INLINE" list --json "$T/names.img" | jq -e --arg b "$b64" '.[0].path_b64 == $b' >/dev/null
    check "... and exact in JSON's path_b64" [ $? = 0 ]
else
    skip "... and exact in JSON's path_b64" "no jq"
fi

expect_error "list of a missing path" 8 "list.img: /nope: no such file or directory" "$E4INLINE" list "$img" /nope
# usage_error_case NAME REASON ARGS...: exit 16, and the first line of stderr
# is REASON in the wording every command shares.
usage_error_case() {
    name=$1 reason=$2; shift 2
    "$E4INLINE" list "$@" >"$T/out" 2>"$T/err"; rc=$?
    [ $rc = 16 ] && [ ! -s "$T/out" ] && [ "$(head -1 "$T/err")" = "e4inline list: $reason" ]
    check "$name: exit 16 and the reason" [ $? = 0 ] || diag "exit $rc" "$(head -3 "$T/err")"
}
usage_error_case "list without an image" "too few arguments"
usage_error_case "list with two paths" "too many arguments" "$img" /d /f0
expect_error "list of a missing image" 8 "while opening" "$E4INLINE" list "$T/nothere.img"
"$E4INLINE" list --help | grep -q '^Usage: e4inline list'
check "list --help" [ $? = 0 ]

cmp -s "$img" "$T/before.img"; check "list leaves the image byte for byte as it was" [ $? = 0 ]
check "e2fsck -fn: clean after list" fsck_clean "$img"
done_testing
