#!/bin/sh
# The command line of create and convert: standard input, manifests, usage
# errors, the progress bar (a terminal only) and --all under a path.
. "$E4I_SRCDIR/tests/lib.sh"

img=$T/img
mkimg "$img" 8M

printf 'from standard input\n' | "$E4INLINE" create "$img" /stdin --from - >"$T/out" 2>&1
check "--from - reads standard input" [ "$("$E4INLINE" cat "$img" /stdin)" = "from standard input" ]
check "e2fsck clean" fsck_clean "$img"

echo "manifest source" >"$T/src.txt"
cat >"$T/manifest" <<MANIFEST
# a comment line
/m/text     file    @$T/src.txt   0600
/m/sized    file    100
/m/empty    file
/m/sub      dir     -             0700
/m/sub/link symlink /a/target/that/is/long/enough/to/be/stored/inline/in/the/inode
MANIFEST
"$E4INLINE" create "$img" --manifest "$T/manifest" >"$T/out" 2>&1; rc=$?
check "--manifest creates its entries" [ $rc = 0 ]
check "--manifest summary" grep -q "created: 3 regular files (3 inline, 116 bytes), 2 directories (2 inline), 1 symlinks (1 inline, 0 fast)" "$T/out"
check "e2fsck clean after --manifest" fsck_clean "$img"
check "@SOURCE content" [ "$("$E4INLINE" cat "$img" /m/text)" = "manifest source" ]
check "SIZE content is a..z repeated" [ "$("$E4INLINE" cat "$img" /m/sized | head -c 28)" = abcdefghijklmnopqrstuvwxyzab ]
check "MODE applied" sh -c "'$E4INLINE' inspect '$img' /m/sub | grep -q '^Mode: 0700'"

printf '/bad/line  pipe\n' >"$T/bad"
"$E4INLINE" create "$img" --manifest "$T/bad" >"$T/out" 2>&1; rc=$?
check "an unknown type is a usage error (16)" [ $rc = 16 ]
check "naming the line" grep -q "bad:1" "$T/out"
printf '/ok file 3\n/m/text file 3\n' >"$T/dup"
"$E4INLINE" create "$img" --manifest "$T/dup" >"$T/out" 2>&1; rc=$?
check "a failing line stops the run (exit 8)" [ $rc = 8 ]
check "naming file and line" grep -q "dup:2" "$T/out"
check "e2fsck clean after the failed line" fsck_clean "$img"

"$E4INLINE" create "$img" >/dev/null 2>&1; check "create without a path: exit 16" [ $? = 16 ]
"$E4INLINE" create "$img" /x --size 3 --from /dev/null >/dev/null 2>&1; check "--size with --from: exit 16" [ $? = 16 ]
"$E4INLINE" convert "$img" /stdin >/dev/null 2>&1; check "convert without --to: exit 16" [ $? = 16 ]
"$E4INLINE" convert "$img" /nope --to extents >"$T/out" 2>&1; rc=$?
check "convert of a missing path: exit 8" [ $rc = 8 ]
check "one line naming it" [ "$(wc -l <"$T/out")" = 1 ] && grep -q /nope "$T/out"
"$E4INLINE" create --help >"$T/out"; check "create --help" grep -q -- --allow-extents "$T/out"
"$E4INLINE" convert --help >"$T/out"; check "convert --help" grep -q -- --dry-run "$T/out"

"$E4INLINE" convert --all "$img" /m --to extents >"$T/out" 2>"$T/err"; rc=$?
check "--all under a path" [ $rc = 0 ]
check "--all under a path counts only that tree" grep -q "^converted 6 of 6 files" "$T/out"
check "/stdin, outside the path, stays inline" sh -c "'$E4INLINE' inspect '$img' /stdin | grep -q '^Storage: inline'"
check "no progress bar when stderr is not a terminal" [ ! -s "$T/err" ]
check "e2fsck clean" fsck_clean "$img"
if command -v script >/dev/null 2>&1; then
    script -qec "'$E4INLINE' convert --all '$img' --to inline" /dev/null >"$T/tty" 2>&1
    check "a progress bar on a terminal" grep -q '100%' "$T/tty"
    check "e2fsck clean" fsck_clean "$img"
else
    skip "a progress bar on a terminal" "needs script (util-linux)"
fi
done_testing
