#!/bin/sh
# Issue 11 item 12: how PATH and <INO> are read. A relative path is taken
# from the root, as debugfs does from its initial cwd "/" (documented in
# e4inline(8)); <1> (the bad-blocks inode, no file type) says so; an inode
# number out of range, however large, exits 8 in inspect and cat alike.
. "$E4I_SRCDIR/tests/lib.sh"

img=$T/s.img
mkimg "$img" 4M
"$E4INLINE" create "$img" /d/f --size 3 -p >/dev/null
ino() { "$E4INLINE" inspect --json "$img" "$1" 2>/dev/null | sed -n 's/^ *"inode": \([0-9]*\),$/\1/p' | head -1; }
check "a relative path names what the absolute one does" test "$(ino d/f)" = "$(ino /d/f)" -a -n "$(ino /d/f)"
check "debugfs resolves it the same way (the oracle)" \
    sh -c "debugfs -R 'stat d/f' '$img' 2>/dev/null | grep -q '^Inode: $(ino /d/f) '"

"$E4INLINE" cat "$img" '<1>' >/dev/null 2>"$T/err"
check "cat <1> exits 1 (no data)" test $? = 1
check "cat <1> says it is no file type, not 'a unknown'" grep -q "<1>: mode 0000 is no file type: a reserved or unused inode" "$T/err"
diag "$(cat "$T/err")"

for spec in '<99999>' '<4294967297>' '<99999999999999999999>'; do
    "$E4INLINE" inspect "$img" "$spec" >/dev/null 2>"$T/i.err"; irc=$?
    "$E4INLINE" cat "$img" "$spec" >/dev/null 2>"$T/c.err"; crc=$?
    check "$spec: inspect and cat both exit 8" test "$irc-$crc" = 8-8
    check "$spec: both say 'inode number out of range'" \
        sh -c "grep -q 'out of range' '$T/i.err' && cmp -s '$T/i.err' '$T/c.err'"
done
"$E4INLINE" inspect "$img" '<12x>' >/dev/null 2>&1
check "<12x> is a usage error (exit 16)" test $? = 16
done_testing
