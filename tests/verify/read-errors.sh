#!/bin/sh
# verify never takes what it cannot read for empty: an inode table past the
# end of a truncated image, or a directory block that cannot be read, is an
# error (exit 8) naming the inode, not a clean report.
. "$E4I_SRCDIR/tests/lib.sh"

src=$T/src
mkdir -p "$src"
for i in $(seq 40); do echo "$i" >"$src/f$i"; done
img=$T/img
mke2fs -q -F -t ext4 -b 1024 -O inline_data -E lazy_itable_init=0,root_owner=0:0 -d "$src" "$img" 4M >/dev/null 2>&1 ||
    { echo "Bail out! mke2fs -d failed"; exit 1; }
"$E4INLINE" verify "$img" >/dev/null 2>&1
check "the image is clean before it is damaged" test $? = 0

# The inode table of group 0 with only its first block left: the root and
# its directory block read, the scan does not.
itable=$(dumpe2fs "$img" 2>/dev/null | sed -n 's/^ *Inode table at \([0-9]*\)-.*/\1/p' | head -n 1)
cp "$img" "$T/short"
truncate -s $(((itable + 1) * 1024)) "$T/short"
"$E4INLINE" verify "$T/short" >"$T/out" 2>"$T/err"
check "an inode table past the end of the image exits 8" test $? = 8
check "the error says the scan failed and names the inode" grep -q "while scanning inodes <1> in " "$T/err"
check "no report of an empty filesystem" test ! -s "$T/out"

# The root directory's one block moved to the last block, which the
# truncated image lacks: reading the directory fails.
cp "$img" "$T/nodir"
debugfs -w -R "sif <2> block[5] 4095" "$T/nodir" >/dev/null 2>&1
truncate -s $((4000 * 1024)) "$T/nodir"
"$E4INLINE" verify "$T/nodir" >"$T/out" 2>"$T/err"
check "an unreadable directory block exits 8" test $? = 8
check "the error names the directory" grep -q "while reading directory <2> in " "$T/err"
check "no clean report over a directory that could not be read" test ! -s "$T/out"

"$E4INLINE" verify --json "$T/nodir" >"$T/out" 2>"$T/err"
check "--json: the same error, exit 8" test $? = 8
check "--json: the error names the directory" grep -q "reading directory <2>" "$T/err"

done_testing
