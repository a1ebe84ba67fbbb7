#!/bin/sh
# Issue 11 item 11: one lossless JSON encoding of names in every command. A
# name with byte 0xFF and a name with the text \xff used to print the same;
# now "name" is the name when it is UTF-8, and otherwise its bytes with
# U+FFFD plus "name_b64", the exact bytes in base64 (e4inline(8), JSON OUTPUT).
. "$E4I_SRCDIR/tests/lib.sh"
command -v jq >/dev/null || skip_all "needs jq"

ff=$(printf 'a\377')
img=$T/n.img
mkimg "$img" 8M -O ^has_journal
"$E4INLINE" create "$img" /d --dir >/dev/null
"$E4INLINE" create "$img" "/d/$ff" --size 1 >/dev/null
"$E4INLINE" create "$img" '/d/a\xff' --size 1 >/dev/null
"$E4INLINE" create "$img" "/d/$(printf 'caf\303\251')" --size 1 >/dev/null
"$E4INLINE" inspect --json "$img" /d >"$T/d.json"
check "inspect --json of the directory exits 0" test $? = 0
# Each entry's exact bytes: name_b64 decoded when present, else name.
jq -r '.inodes[0].directory.entries[] | select(.inode != 0) | (.name_b64 // (.name | @base64))' "$T/d.json" |
    while read -r b; do printf '%s' "$b" | base64 -d | od -An -c | tr -s ' ' | sed 's/^ //'; done >"$T/names"
diag "$(cat "$T/names")"
check "the 0xFF name decodes to its bytes" grep -qx 'a 377' "$T/names"
check "the text \\xff decodes to its four characters" grep -qx 'a \\ x f f' "$T/names"
check "a UTF-8 name is kept as it is, without name_b64" \
    test "$(jq -r '.inodes[0].directory.entries[] | select(.name == "café") | has("name_b64")' "$T/d.json")" = false
check "the 0xFF name is readable with U+FFFD" \
    test "$(jq -r '.inodes[0].directory.entries[] | select(.name_b64 == "Yf8=") | .name' "$T/d.json")" = "a�"

"$E4INLINE" inspect --json "$img" "/d/$ff" >"$T/f.json"
check "inspect --json: a path with 0xFF has path_b64" \
    test "$(jq -r '.inodes[0].path_b64' "$T/f.json")" = "L2QvYf8="

# verify names the finding's path the same way.
cp "$img" "$T/v.img"
"$E4INLINE" craft "$T/v.img" "/d/$ff" size-past-inline >/dev/null 2>&1
"$E4INLINE" verify --json "$T/v.img" >"$T/v.json"
check "verify --json: the finding's path has path_b64" \
    test "$(jq -r '.findings[] | select(.code == "size-past-inline") | .path_b64' "$T/v.json")" = "L2QvYf8="
done_testing
