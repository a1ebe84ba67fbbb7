# Helpers shared by the crosscheck tests (sourced after tests/lib.sh).

# disk_pos IMAGE INO: the byte position of inode INO in IMAGE (debugfs imap).
disk_pos() {
    imap=$(debugfs -R "imap <$2>" "$1" 2>/dev/null)
    blk=$(printf '%s\n' "$imap" | sed -n 's/.*located at block \([0-9]*\), offset \(0x[0-9a-fA-F]*\).*/\1/p')
    off=$(printf '%s\n' "$imap" | sed -n 's/.*located at block \([0-9]*\), offset \(0x[0-9a-fA-F]*\).*/\2/p')
    bs=$(dumpe2fs -h "$1" 2>/dev/null | awk '/^Block size:/ { print $3 }')
    [ -n "$blk" ] && [ -n "$off" ] && [ -n "$bs" ] || return 1
    echo $((blk * bs + off))
}

# poke IMAGE POS BYTE: overwrite one byte of the image file in place.
poke() {
    printf "$3" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

# settle MNT: write everything home (freeze checkpoints the journal) so that
# what we then change behind the kernel's back is not overwritten later.
settle() {
    sync -f "$1/." && fsfreeze -f "$1" && fsfreeze -u "$1"
}

# forget_disk DEV: drop the kernel's buffer cache of DEV, so that what it
# reads of the device next comes from the changed image. The page cache of
# open files (and the in-memory inodes) stays: that is the kernel's view.
forget_disk() {
    blockdev --flushbufs "$1"
}
