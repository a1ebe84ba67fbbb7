#!/bin/sh
# create --from-dir copies devices, fifos and sockets as mke2fs -d does: the
# same inode (type, mode, owner, mtime, links, flags, device number) as the
# oracle's, checked with debugfs; e2fsck clean; and the kernel shows them with
# the right type and device number.
. "$E4I_SRCDIR/tests/lib.sh"
command -v debugfs >/dev/null || skip_all "needs debugfs"
command -v python3 >/dev/null || skip_all "needs python3 (to make a socket)"

src=$T/src
mkdir -p "$src/d"
mkfifo -m 0640 "$src/fifo"
ln "$src/fifo" "$src/d/fifo-link"
python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$src/sock"
chmod 0600 "$src/sock"
echo data >"$src/file"
devices=""
if [ "$(id -u)" = 0 ]; then
    # Old encoding (major and minor under 256), new encoding (minor past
    # 255, major past 255), and a block device.
    mknod -m 0620 "$src/null" c 1 3 && mknod -m 0600 "$src/wide" c 259 300000 &&
        mknod -m 0660 "$src/loop" b 7 200 && devices="null wide loop"
    chown 1234:5678 "$src/fifo" "$src/sock" ${devices:+"$src/null"}
fi
touch -d '2024-02-29 12:34:56 UTC' "$src/fifo" "$src/sock" $(for d in $devices; do echo "$src/$d"; done)
specials="fifo d/fifo-link sock $devices"

mke2fs -q -F -t ext4 -O inline_data -E root_owner=0:0 -d "$src" "$T/oracle.img" 8M >/dev/null 2>&1 ||
    skip_all "mke2fs -d failed"
mkimg "$T/mine.img" 8M
"$E4INLINE" create "$T/mine.img" --from-dir "$src" >"$T/out" 2>&1; rc=$?
check "create --from-dir with special files exits 0" [ $rc = 0 ]
n=$(( $(echo $devices | wc -w) + 2 ))
grep -q ", $n special files" "$T/out"
check "the summary counts the $n special inodes (the fifo's second name is a hard link)" [ $? = 0 ] ||
    diag "$(cat "$T/out")"

# The fields of debugfs stat that mke2fs -d sets from the source.
fields() {
    debugfs -R "stat /$2" "$1" 2>/dev/null | awk '
        /^Inode:/ { for (i = 1; i <= NF; i++) if ($i == "Type:" || $i == "Mode:" || $i == "Flags:") print $i, $(i + 1) }
        /^User:/ { print "User:", $2, "Group:", $4, "Size:", $NF }
        /^Links:/ { print "Links:", $2, "Blockcount:", $4 }
        /^ *mtime:/ { print }
        /Device major\/minor number/ { print }
        /^Size of extra inode fields:/ { print }
        /^(EXTENTS|Inline)/ { print }'
}
for f in $specials; do
    fields "$T/oracle.img" "$f" >"$T/want"
    fields "$T/mine.img" "$f" >"$T/got"
    [ -s "$T/want" ] || { not_ok "debugfs reads /$f of the mke2fs -d image"; continue; }
    expect_output "/$f: debugfs stat as for mke2fs -d" "$T/want" "$T/got"
done
[ -n "$devices" ] || skip "device nodes" "mknod needs root"
[ "$(debugfs -R "stat /fifo" "$T/mine.img" 2>/dev/null | sed -n 's/^Inode: \([0-9]*\).*/\1/p')" = \
  "$(debugfs -R "stat /d/fifo-link" "$T/mine.img" 2>/dev/null | sed -n 's/^Inode: \([0-9]*\).*/\1/p')" ]
check "a second name of a fifo is a hard link to the same inode" [ $? = 0 ]
check "e2fsck -fn clean" fsck_clean "$T/mine.img"

"$E4INLINE" create --dry-run "$T/oracle.img" --from-dir "$src" --into /d >"$T/dry" 2>&1
grep -q "would create: .*, $n special files" "$T/dry"
check "--dry-run counts the special files too" [ $? = 0 ] || diag "$(cat "$T/dry")"

# The kernel's view.
if [ "$(id -u)" = 0 ] && [ -e /dev/loop-control ] && grep -qw ext4 /proc/filesystems; then
    if mount_loop "$T/mine.img" "$T/mnt"; then
        for f in $specials; do
            [ "$(stat -c '%F %t:%T %a %u:%g %Y' "$T/mnt/$f")" = "$(stat -c '%F %t:%T %a %u:%g %Y' "$src/$f")" ]
            check "the kernel shows /$f with the source's type, device number, mode, owner and mtime" [ $? = 0 ] ||
                diag "mounted: $(stat -c '%F %t:%T %a %u:%g %Y' "$T/mnt/$f")" \
                     "source:  $(stat -c '%F %t:%T %a %u:%g %Y' "$src/$f")"
        done
        umount "$T/mnt"
    else
        not_ok "the image loop-mounts"
    fi
else
    skip "the kernel's view of the special files" "needs root, loop devices and ext4"
fi
done_testing
