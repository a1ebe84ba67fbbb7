#!/bin/sh
# The whole C API from a C program built the way a user builds one: the
# library installed (make install DESTDIR=), the program compiled with
# nothing but pkg-config from that root, run with LD_LIBRARY_PATH into it.
# It creates, converts and commits on a fresh image, then reads, lists and
# verifies it (tests/tool/capi_full.c); e2fsck -fn and debugfs check the
# image independently. The same on a GPT image's partition 2.
. "$E4I_SRCDIR/tests/lib.sh"
command -v cc >/dev/null || skip_all "no C compiler"
command -v pkg-config >/dev/null || skip_all "no pkg-config"
root=$T/root
make -C "$E4I_BUILDDIR" install DESTDIR="$root" >"$T/install.log" 2>&1 || {
    diag "$(tail -5 "$T/install.log")"
    skip_all "make install DESTDIR= failed"
}
libdir=$(find "$root" -name e4inline.pc | head -1 | xargs dirname | xargs dirname)
check "make install puts e4inline.pc in the scratch root" [ -f "$libdir/pkgconfig/e4inline.pc" ]
check "make install puts e4inline.h in the scratch root" [ -n "$(find "$root" -path '*/include/e4inline/e4inline.h')" ]
pc() { PKG_CONFIG_SYSROOT_DIR=$root PKG_CONFIG_PATH=$libdir/pkgconfig pkg-config "$@"; }
flags=$(pc --cflags --libs e4inline) || skip_all "pkg-config cannot read the installed e4inline.pc"
diag "pkg-config --cflags --libs e4inline: $flags"
# A library built with sanitizers (quickstart's build-asan tree) needs their
# runtime in the program too: the same -fsanitize flags as the build, nothing else.
san=$(sed -n 's/^LDFLAGS = //p' "$E4I_BUILDDIR/Makefile" | tr ' ' '\n' | grep -- '^-fsanitize=' | tr '\n' ' ')
[ -n "$san" ] && diag "the library was built with $san: the program is too"
# shellcheck disable=SC2086 # pkg-config's words are meant to split
cc -std=c11 -Wall -Wextra -Werror $san -o "$T/capi-full" "$E4I_SRCDIR/tests/tool/capi_full.c" $flags >"$T/cc.log" 2>&1
check "capi_full.c builds against the installed library, -Wall -Wextra -Werror" [ $? = 0 ]
[ -x "$T/capi-full" ] || { diag "$(head -20 "$T/cc.log")"; done_testing; }
check "the program is linked to the installed library, not the build tree's" \
    sh -c "LD_LIBRARY_PATH='$libdir' ldd '$T/capi-full' | grep -q '$libdir/libe4inline.so'"

# run IMAGE [PARTITION]: the program's output in $T/out.
run() { LD_LIBRARY_PATH=$libdir "$T/capi-full" "$@" >"$T/out" 2>"$T/err"; }
has() { grep -qx -- "$1" "$T/out" || { diag "missing: $1"; return 1; }; }

mkimg "$T/a.img" 8M
run "$T/a.img"
check "every call returned what it should" [ $? = 0 ]
grep UNEXPECTED -A1 "$T/out" | sed 's/^/# /'
check "e4i_create: file, dir, symlink, -p, dry run" has "create-parents: 0"
check "e4i_create: a dry run makes no inode" has "dry ino=0"
check "e4i_create: an existing path is refused with its path" \
    has "create-existing error: $T/a.img: /hello: file exists"
check "e4i_convert: refusal reason in e4i_last_error" \
    grep -q "^convert-refused: status=2 $T/a.img: /big: cannot convert to inline" "$T/out"
check "e4i_convert_all: /d and its symlink, to extents" has "convert-all examined=2 converted=2 already=0 refused=0"
check "e4i_commit: a second commit is a usage error" has "commit-again: 16"
check "e4i_inspect_sized: /hello, converted, is in extents with its mode" \
    has "hello storage=extents type=regular inline=0 size=21 mode=640 checksum_ok=1"
check "e4i_inspect_sized: the symlink is inline" has "link storage=inline type=symlink inline=1 size=66"
check "e4i_inspect (first version) leaves the later members alone" has "v1 storage=inline type=untouched"
check "e4i_read: the bytes written" has "read-matches=1"
check "e4i_dir_iterate: root lists hello with its type" grep -q "^dirent hello ino=[0-9]* type=1$" "$T/out"
check "e4i_dir_iterate: /d holds the symlink" grep -q "^dirent link ino=[0-9]* type=7$" "$T/out"
check "e4i_dir_iterate: /d has ., .. and link" has "d entries=3"
check "e4i_dir_iterate: a callback's non-zero stops and is returned" has "dir-stop: 42"
check "e4i_dir_iterate: a file is not a directory (1)" has "dir-of-file error: $T/a.img: /hello: not a directory"
check "e4i_xattr_iterate: the inline symlink's system.data" has "xattr system.data len=6 in-inode=1"
check "e4i_verify: clean" has "findings=0"
check "e4i_last_error: 'while opening IMAGE'" \
    has "open-missing error: No such file or directory while opening /nonexistent/disk.img"
check "e2fsck -fn: the image the C API wrote is clean" fsck_clean "$T/a.img"
debugfs -R "cat /hello" "$T/a.img" 2>/dev/null >"$T/dbg"
check "debugfs reads /hello" grep -qx "hello from the C API" "$T/dbg"
debugfs -R "stat /d/link" "$T/a.img" 2>/dev/null >"$T/dbg"
check "debugfs: /d/link has the inline-data flag and a 6-byte system.data" \
    sh -c "grep -q 'Flags: 0x10000000' '$T/dbg' && grep -q 'system.data (6)' '$T/dbg'"
check "e4i_convert_all: /d converted back to inline" has "convert-all-back converted=2"
debugfs -R "cat /p/q/file" "$T/a.img" 2>/dev/null >"$T/dbg"
check "debugfs reads the file made with its parents" grep -qx "pq" "$T/dbg"

# The same through a partition: GPT, the filesystem in partition 2.
if command -v sfdisk >/dev/null; then
    truncate -s 12M "$T/p.img"
    printf 'label: gpt\nstart=2048, size=4096\nstart=6144, size=16384\n' | sfdisk -q "$T/p.img" >/dev/null 2>&1
    mke2fs -q -F -t ext4 -O inline_data -E offset=3145728,root_owner=0:0 "$T/p.img" 8M >/dev/null 2>&1
    run "$T/p.img" 2
    check "every call returned what it should in GPT partition 2" [ $? = 0 ]
    check "e2fsck -fn IMAGE?offset= of partition 2 is clean" fsck_clean "$T/p.img?offset=3145728"
    debugfs -R "cat /hello" "$T/p.img?offset=3145728" 2>/dev/null >"$T/dbg"
    check "debugfs reads /hello in partition 2" grep -qx "hello from the C API" "$T/dbg"
    run "$T/p.img" 3
    check "e4i_open_partition: a missing partition is named" \
        grep -q "last error: $T/p.img: has no partition 3 (it has 2)" "$T/out"
else
    skip "the C API on a partition" "no sfdisk (util-linux fdisk package)"
fi
done_testing
