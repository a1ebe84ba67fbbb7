#!/bin/sh
# Expected-output tests for inspect and cat: each scenario runs the tool on an
# image this script builds (mke2fs -d, or a debugfs script where several
# entries must get stable inode numbers) and diffs stdout, stderr and the exit
# code against tests/tool/expected/NAME.out. E4I_UPDATE=1 rewrites them.
. "$E4I_SRCDIR/tests/lib.sh"
exp=$E4I_SRCDIR/tests/tool/expected

# scenario NAME COMMAND...: run, capture, compare. Image paths print as IMG.
scenario() {
    name=$1; shift
    "$@" >"$T/out" 2>"$T/err"; rc=$?
    { cat "$T/out"; sed 's/^/stderr: /' "$T/err"; echo "exit: $rc"; } | sed "s|$T/||g" >"$T/$name.actual"
    expect_output "$name" "$exp/$name.out" "$T/$name.actual"
}

# root_owned IMAGE PATH...: make the files owner and group 0, as they are when
# root builds the image. mke2fs -d and debugfs write give an inode the owner of
# its source file, so as another user the expected outputs (UID: 0) would not
# hold; the change is made only then, so a run as root tests the images as built.
root_owned() {
    [ "$(id -u)" = 0 ] && return 0
    img=$1; shift
    for p in "$@"; do printf 'sif %s uid 0\nsif %s gid 0\n' "$p" "$p"; done >"$T/own.cmd"
    debugfs -w -f "$T/own.cmd" "$img" >/dev/null 2>&1
}

# one_file_image NAME SIZE [mke2fs options]: an image holding only /f.
one_file_image() {
    name=$1; mkdir -p "$T/src-$name"
    pattern_file "$T/src-$name/f" "$2"
    shift 2
    mke2fs -q -F -t ext4 -O inline_data -E root_owner=0:0 "$@" -d "$T/src-$name" "$T/$name.img" 4M >/dev/null 2>&1
    root_owned "$T/$name.img" /f
}

for n in 0 1 59 60 61 128 129; do
    one_file_image size$n $n
    scenario inspect-size-$n "$E4INLINE" inspect "$T/size$n.img" /f
done

# 512-byte inodes: capacity 384, and 385 is not inline.
for n in 384 385; do
    one_file_image big$n $n -I 512
    scenario inspect-512-size-$n "$E4INLINE" inspect "$T/big$n.img" /f
done

scenario inspect-json-hex-61 "$E4INLINE" inspect --json --hex "$T/size61.img" /f
scenario inspect-by-number-61 "$E4INLINE" inspect "$T/size61.img" '<12>'
scenario cat-size-61 "$E4INLINE" cat "$T/size61.img" /f
scenario inspect-several "$E4INLINE" inspect "$T/size1.img" /f /lost+found '<2>'
scenario inspect-require-inline-129 "$E4INLINE" inspect --require-inline "$T/size129.img" /f

# Symlinks: 59 bytes is a fast symlink, 60 and 100 are inline.
for n in 59 60 100; do
    mkdir -p "$T/src-link$n"
    ln -s "$(awk -v n=$n 'BEGIN { for (i = 0; i < n; i++) printf "%c", 97 + i % 26 }')" "$T/src-link$n/l"
    mke2fs -q -F -t ext4 -O inline_data -E root_owner=0:0 -d "$T/src-link$n" "$T/link$n.img" 4M >/dev/null 2>&1
    root_owned "$T/link$n.img" /l
    scenario inspect-symlink-$n "$E4INLINE" inspect "$T/link$n.img" /l
    scenario cat-symlink-$n "$E4INLINE" cat "$T/link$n.img" /l
done

# A directory with one entry, made by mke2fs -d.
mkdir -p "$T/src-dir/d" && echo hello >"$T/src-dir/d/a"
mke2fs -q -F -t ext4 -O inline_data -E root_owner=0:0 -d "$T/src-dir" "$T/dir.img" 4M >/dev/null 2>&1
root_owned "$T/dir.img" /d /d/a
scenario inspect-dir-one-entry "$E4INLINE" inspect "$T/dir.img" /d

# A directory with several entries, made by a debugfs script so that inode
# numbers follow the script's order. (libext2fs moves a full inline directory
# straight to a block; directories that grow into system.data come from the
# kernel, in tests/kernel.)
mkimg "$T/dbg.img" 4M
: >"$T/empty"
{ echo "mkdir d"; for i in a bb ccc; do echo "write $T/empty d/$i"; done; } >"$T/dbg.cmd"
debugfs -w -f "$T/dbg.cmd" "$T/dbg.img" >/dev/null 2>&1
root_owned "$T/dbg.img" /d /d/a /d/bb /d/ccc
scenario inspect-dir-three-entries "$E4INLINE" inspect --hex "$T/dbg.img" /d
scenario inspect-json-dir "$E4INLINE" inspect --json "$T/dbg.img" /d

# Every scenario image must itself be clean.
for img in "$T"/*.img; do
    check "e2fsck clean: $(basename "$img")" fsck_clean "$img"
done
done_testing
