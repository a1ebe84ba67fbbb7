#!/bin/sh
# -z is checked before anything is unlinked, created or written: the image
# itself (by any name), a file that is not an undo file, and a missing or
# unwritable directory are refused with one line, and the image and the named
# file keep their bytes. An existing undo file is replaced.
. "$E4I_SRCDIR/tests/lib.sh"

img=$T/u.img
mkimg "$img" 16M || { not_ok "mke2fs"; done_testing; }
cp "$img" "$T/orig"

# refused WHAT EXIT PATTERN -z-ARG: the create is refused with EXIT and a
# one-line message matching PATTERN; the image is unchanged.
refused() {
    what=$1 want=$2 pattern=$3 undo=$4
    cp "$T/orig" "$img"   # each case on the original image (cp keeps the inode)
    "$E4INLINE" create "$img" /x --size 3 -z "$undo" >"$T/out" 2>&1; rc=$?
    check "-z $what: exit $want (not a crash)" [ "$rc" = "$want" ]
    [ "$rc" = "$want" ] || diag "exit $rc: $(cat "$T/out")"
    check "-z $what: says why in one line" sh -c "grep -q '$pattern' '$T/out' && [ \$(wc -l <'$T/out') = 1 ]"
    check "-z $what: the image is unchanged" same_bytes "$img" "$T/orig"
}

refused "naming the image" 16 "undo file is the image itself" "$img"
check "the image still exists" [ -f "$img" ]
ln -s "$img" "$T/link"
refused "naming a symlink to the image" 16 "undo file is the image itself" "$T/link"
ln "$img" "$T/hard"
refused "naming a hard link of the image" 16 "undo file is the image itself" "$T/hard"
refused "naming the image by another path" 16 "undo file is the image itself" "$T/../$(basename "$T")/u.img"

printf 'my notes\n' >"$T/notes.txt"; cp "$T/notes.txt" "$T/notes.orig"
refused "naming a file that is not an undo file" 16 "not an undo file; refusing to overwrite" "$T/notes.txt"
check "that file keeps its bytes" same_bytes "$T/notes.txt" "$T/notes.orig"
mkdir "$T/adir"
refused "naming a directory" 16 "not a regular file" "$T/adir"

# A bad image with -z: the named file is neither replaced nor left behind.
head -c 1M /dev/zero >"$T/bad.img"
"$E4INLINE" create "$T/bad.img" /x --size 3 -z "$T/notes.txt" >"$T/out" 2>&1; rc=$?
check "-z with a bad image: exit 16 or 8" [ "$rc" = 16 -o "$rc" = 8 ]
check "-z with a bad image: the file named keeps its bytes" same_bytes "$T/notes.txt" "$T/notes.orig"
"$E4INLINE" create "$T/bad.img" /x --size 3 -z "$T/new.undo" >"$T/out" 2>&1
check "-z with a bad image: no undo file is left behind" [ ! -e "$T/new.undo" ]

refused "in a missing directory" 8 "No such file or directory" /nonexistent/dir/u.undo
refused "under a regular file" 8 "Not a directory" "$T/notes.txt/u.undo"
refused "in a read-only directory" 8 "while" /proc/e4inline-test.undo

# An empty file and an existing undo file are used; e2undo restores.
: >"$T/empty.undo"
"$E4INLINE" create "$img" /a --size 10 -z "$T/empty.undo" >"$T/out" 2>&1; rc=$?
check "-z naming an empty file: exit 0" [ $rc = 0 ]
cp "$img" "$T/after-a"
"$E4INLINE" create "$img" /b --size 10 -z "$T/empty.undo" >"$T/out" 2>&1; rc=$?
check "-z naming an existing undo file: exit 0 (it is replaced)" [ $rc = 0 ]
e2undo "$T/empty.undo" "$img" >"$T/out" 2>&1
check "e2undo with the replaced undo file restores the image byte for byte" same_bytes "$img" "$T/after-a"
check "no temporary undo file is left" sh -c "! ls '$T'/empty.undo.* >/dev/null 2>&1"

# The undo file is e2fsprogs' own format: tune2fs appends to it, and e2undo
# then undoes both changes.
cp "$T/orig" "$img"; rm -f "$T/chain.undo"
"$E4INLINE" create "$img" /c --size 30 -z "$T/chain.undo" >/dev/null 2>&1
tune2fs -z "$T/chain.undo" -L chained "$img" >"$T/out" 2>&1; rc=$?
check "tune2fs -z appends to an undo file e4inline wrote" [ $rc = 0 ]
e2undo "$T/chain.undo" "$img" >"$T/out" 2>&1
check "e2undo then restores the image from before both" same_bytes "$img" "$T/orig"
done_testing
