#!/bin/sh
# A full inline directory that has to become a block directory on a
# filesystem with no free block: the create fails with a clear message and
# the image stays as it was (the directory intact, e2fsck clean), where it
# used to lose system.data and '..' (e2fsck exit 12, the kernel listing the
# directory as empty).
. "$E4I_SRCDIR/tests/lib.sh"

img=$T/fd.img
mkimg "$img" 4M -O ^has_journal -m 0 || { not_ok "mke2fs"; done_testing; }
"$E4INLINE" create "$img" /dd --dir >/dev/null || not_ok "create /dd"
"$E4INLINE" craft "$img" /fill fill >/dev/null || not_ok "craft fill"
free=$(dumpe2fs -h "$img" 2>/dev/null | sed -n 's/^Free blocks: *//p')
check "the filesystem has no free block left" [ "$free" = 0 ]

i=0 rc=0 made=0
while [ $i -lt 40 ]; do
    i=$((i + 1))
    cp "$img" "$T/before"
    "$E4INLINE" create "$img" "/dd/entry-with-a-longish-name-$i" --size 1 >"$T/out" 2>&1 || { rc=$?; break; }
    made=$i
done
diag "$made creates fitted in the inline directory; create $i: $(cat "$T/out")"
check "the create that needs a block fails with exit 8" [ $rc = 8 ]
check "and says the directory cannot grow" grep -q "directory is full and no free block is left" "$T/out"
check "and leaves the image byte for byte as it was" same_bytes "$img" "$T/before"
check "e2fsck is clean" fsck_clean "$img"
n=$(debugfs -R "ls /dd" "$img" 2>/dev/null | grep -o 'entry-with-a-longish-name-[0-9]*' | wc -l)
check "the directory lists all $made entries made before (debugfs)" [ "$n" = "$made" ]
"$E4INLINE" inspect "$img" /dd >"$T/out" 2>&1
check "the directory is still inline" grep -qi "inline" "$T/out"

if [ "$(id -u)" = 0 ] && [ -e /dev/loop-control ] && grep -qw ext4 /proc/filesystems; then
    mkdir -p "$T/mnt"
    mount -o loop,ro "$img" "$T/mnt" && on_exit "umount '$T/mnt'"
    n=$(ls "$T/mnt/dd" 2>/dev/null | wc -l)
    check "the kernel lists all $made entries" [ "$n" = "$made" ]
else
    skip "the kernel lists the entries" "needs root and loop devices"
fi
done_testing
