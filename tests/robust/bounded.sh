#!/bin/sh
# Issue 11 items 8 and 9: a source is read up to what can be stored plus one
# byte. /dev/zero (endless) is refused at once, as --from, as a manifest
# @SOURCE, and with --allow-extents; --from-dir does not allocate st_size.
. "$E4I_SRCDIR/tests/lib.sh"

img=$T/b.img
mkimg "$img" 16M
cp "$img" "$T/orig.img"
expect_error "create --from /dev/zero" 1 "/dev/zero: more than 128 bytes do not fit inline: a new inode here holds at most 128 bytes" \
    "$E4INLINE" create "$img" /z --from /dev/zero
expect_error "create --from /dev/zero --allow-extents" 8 "/dev/zero: holds more than the [0-9]* bytes a new file" \
    "$E4INLINE" create "$img" /z --from /dev/zero --allow-extents
printf '/ok file 3\n/z file @/dev/zero\n' >"$T/zero.manifest"
expect_error "manifest @/dev/zero" 1 "/dev/zero (.*zero.manifest:2)" \
    "$E4INLINE" create "$img" --manifest "$T/zero.manifest"
expect_error "--manifest /dev/zero" 16 "/dev/zero: larger than 64 MiB" \
    "$E4INLINE" create "$img" --manifest /dev/zero
check "the image is unchanged by all four" cmp -s "$img" "$T/orig.img"

# Standard input is bounded the same way.
timeout 60 sh -c "yes | '$E4INLINE' create '$img' /y --from -" >/dev/null 2>"$T/err"
check "create --from - with endless input is refused (exit 1)" test $? = 1
printf 'exactly\n' | "$E4INLINE" create "$img" /s --from - >/dev/null
check "create --from - with a short input still works" sh -c "'$E4INLINE' cat '$img' /s | grep -qx exactly"

# --from-dir: a file whose st_size is larger than what it holds (a sparse
# file of 1 TiB) must not become a 1 TiB allocation. A dry run with a new
# --into directory reads every file without the free-space estimate first.
# The address space is capped (not under ASan, which reserves terabytes) so
# that a regression fails here instead of exhausting the machine.
mkdir -p "$T/tree"
printf 'small\n' >"$T/tree/small"
truncate -s 1T "$T/tree/sparse"
cp "$T/orig.img" "$img"
cap=""; [ -z "${ASAN_OPTIONS:-}" ] && cap="ulimit -v 4000000;"
sh -c "$cap timeout 120 '$E4INLINE' create '$img' --from-dir '$T/tree' --into /new -p --dry-run" >/dev/null 2>"$T/err"
check "--from-dir --dry-run with a 1 TiB sparse file: exit 8, no allocation failure" test $? = 8
check "... saying what the image can still store" grep -q "sparse: holds more than the [0-9]* bytes" "$T/err"
sh -c "$cap timeout 120 '$E4INLINE' create '$img' --from-dir '$T/tree'" >/dev/null 2>"$T/err"
check "--from-dir with it refused by the free-space estimate (exit 8)" test $? = 8
check "the image is unchanged" cmp -s "$img" "$T/orig.img"
# A file that shrinks to 6 bytes after the scan would still have been read
# into an st_size buffer; now the buffer grows with what is read.
rm "$T/tree/sparse"
cp "$T/orig.img" "$img"
"$E4INLINE" create "$img" --from-dir "$T/tree" >/dev/null 2>"$T/err"
check "--from-dir of small files still works" sh -c "'$E4INLINE' cat '$img' /small | grep -qx small"
check "e2fsck -fn is clean after it" fsck_clean "$img"
done_testing
