#!/bin/sh
# The create manifest (issue 11 item 12, issue 13): extra fields are an
# error naming the line, a missing @SOURCE names its line, and the whole
# manifest is checked before the first write, so a bad line 2 leaves line 1
# uncreated and the image byte for byte as it was.
. "$E4I_SRCDIR/tests/lib.sh"

# refused NAME CODE PATTERN MANIFEST-TEXT: create --manifest exits CODE with
# one line matching PATTERN, and the image is unchanged.
img=$T/m.img
mkimg "$img" 8M
"$E4INLINE" create "$img" /exists --size 5 >/dev/null
cp "$img" "$T/orig.img"
refused() {
    name=$1 code=$2 pattern=$3
    printf "$4" >"$T/case.manifest"
    expect_error "$name" "$code" "$pattern" "$E4INLINE" create "$img" --manifest "$T/case.manifest"
    check "$name: nothing written" cmp -s "$img" "$T/orig.img"
    cp "$T/orig.img" "$img"
}

refused "an extra field" 16 "case.manifest:2: unexpected field 'extra'" \
    '/one file 3\n/two file 3 0644 extra\n'
refused "a missing @SOURCE names the line" 8 "No such file or directory while opening /nonexistent (.*case.manifest:2)" \
    '/one file 3\n/two file @/nonexistent\n'
refused "a bad type on line 2" 16 "case.manifest:2: unknown type 'sock'" \
    '/one file 3\n/two sock\n'
refused "a bad mode on line 3" 16 "case.manifest:3: bad mode" \
    '/one file 3\n/two dir\n/two/three file 1 0999\n'
refused "a path that exists in the image, on line 2" 8 "/exists (.*case.manifest:2)" \
    '/one file 3\n/exists file 3\n'
refused "a path made twice" 8 "file exists (made by .*case.manifest:1)" \
    '/one file 3\n/one file 3\n'
refused "a path under a file an earlier line made" 8 "/one is not a directory (made by .*case.manifest:1)" \
    '/one file 3\n/one/two file 3\n'
refused "a SIZE of a GiB, refused before it is made" 1 "1000000000 bytes do not fit inline: a new inode here holds at most 128 bytes" \
    '/one file 3\n/big file 1000000000\n'
refused "too large to be inline, on line 2" 1 "(.*case.manifest:2)" \
    '/one file 3\n/two file 500\n'

printf '# a comment\n/a file 10\n\n/b dir - 0700\n/b/c symlink /%s\n/d/e/f file 3 0600  # parents made\n' \
    "$(printf 't%.0s' $(seq 70))" >"$T/good.manifest"
"$E4INLINE" create "$img" --manifest "$T/good.manifest" >"$T/out" 2>"$T/err"
check "a good manifest is created (exit 0)" test $? = 0
check "its summary counts what it made" grep -q "created: 2 regular files (2 inline" "$T/out"
check "e2fsck -fn is clean after it" fsck_clean "$img"
check "/b/c reads back" sh -c "'$E4INLINE' cat '$img' /b/c | grep -q '^/ttt'"
done_testing
