#!/bin/sh
# Bad input: each case gives exactly one line on stderr, naming what was
# wrong, and its documented exit code; nothing crashes or hangs.
. "$E4I_SRCDIR/tests/lib.sh"

mkdir -p "$T/src/d" && echo data >"$T/src/d/file"
mke2fs -q -F -t ext4 -O inline_data -d "$T/src" "$T/good.img" 4M >/dev/null 2>&1
head -c 1048576 /dev/urandom >"$T/random.img"
head -c 70000 "$T/good.img" >"$T/truncated.img"
mke2fs -q -F -t ext4 -O ^inline_data -d "$T/src" "$T/plain.img" 4M >/dev/null 2>&1

expect_error "not an ext4 image" 8 "random.img" "$E4INLINE" inspect "$T/random.img" /d/file
expect_error "truncated image" 8 "truncated.img" "$E4INLINE" cat "$T/truncated.img" /d/file
expect_error "missing image" 8 "^e4inline: No such file or directory while opening $T/nothere.img$" "$E4INLINE" inspect "$T/nothere.img" /x
expect_error "directory as image" 8 "is a directory" "$E4INLINE" inspect "$T" /x
expect_error "missing path" 8 "good.img: /d/missing: no such file" "$E4INLINE" inspect "$T/good.img" /d/missing
expect_error "missing parent" 8 "/nope/file" "$E4INLINE" cat "$T/good.img" /nope/file
expect_error "directory where a file is expected" 1 "/d: is a directory" "$E4INLINE" cat "$T/good.img" /d
expect_error "inode number out of range" 8 "out of range" "$E4INLINE" inspect "$T/good.img" '<99999999>'
expect_error "inode number that is not a number" 16 "<abc>" "$E4INLINE" inspect "$T/good.img" '<abc>'
expect_error "cat of a non-inline file with --require-inline" 1 "inline_data feature" \
    "$E4INLINE" cat --require-inline "$T/plain.img" /d/file
"$E4INLINE" cat "$T/plain.img" /d/file >"$T/plain.out" 2>&1
check "an image without inline_data still reads (through libext2fs)" cmp -s "$T/plain.out" "$T/src/d/file"
"$E4INLINE" inspect "$T/plain.img" /d/file | grep -q "^Reason: .*does not have the inline_data feature"
check "inspect says why a file on an image without inline_data is not inline" [ $? = 0 ]

# Usage errors
timeout 5 "$E4INLINE" >/dev/null 2>&1; check "no arguments: exit 16" [ $? = 16 ]
timeout 5 "$E4INLINE" frobnicate >/dev/null 2>&1; check "unknown command: exit 16" [ $? = 16 ]
timeout 5 "$E4INLINE" inspect --bogus "$T/good.img" /d >/dev/null 2>&1; check "unknown option: exit 16" [ $? = 16 ]
timeout 5 "$E4INLINE" cat "$T/good.img" >/dev/null 2>&1; check "cat without a path: exit 16" [ $? = 16 ]
timeout 5 "$E4INLINE" inspect --help | grep -q "^Usage: e4inline inspect"; check "inspect --help" [ $? = 0 ]
timeout 5 "$E4INLINE" --help | grep -q "^  cat "; check "--help lists the commands" [ $? = 0 ]
timeout 5 "$E4INLINE" -V | grep -q "^e4inline .* (libext2fs 1\."; check "-V names the libext2fs version" [ $? = 0 ]

# An unreadable image: as root, drop to nobody; otherwise chmod 000 works.
cp "$T/good.img" "$T/secret.img"; chmod 600 "$T/secret.img"
if [ "$(id -u)" = 0 ]; then
    if command -v setpriv >/dev/null && setpriv --reuid=65534 --regid=65534 --clear-groups true 2>/dev/null &&
        setpriv --reuid=65534 --regid=65534 --clear-groups test -x "$E4INLINE"; then
        chmod 711 "$T"
        expect_error "unreadable image" 8 "Permission denied while opening" \
            setpriv --reuid=65534 --regid=65534 --clear-groups "$E4INLINE" inspect "$T/secret.img" /d
    else
        skip "unreadable image" "cannot run the tool as an unprivileged user here"
    fi
else
    chmod 000 "$T/secret.img"
    expect_error "unreadable image" 8 "Permission denied while opening" "$E4INLINE" inspect "$T/secret.img" /d
    chmod 600 "$T/secret.img"   # readable again, by its owner, for the comparison
fi
cmp -s "$T/secret.img" "$T/good.img"; check "a failed read leaves the image untouched" [ $? = 0 ]
done_testing
