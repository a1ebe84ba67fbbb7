#!/bin/sh
# The standalone reproducers of contrib/reproducers on loop images of this machine.
# With inline_data, mmap-store, otrunc-zeros, truncate-up-pwrite and enospc-convert show their bug
# (exit 1, recorded as TODO) and the unmounted image confirms the loss with
# e4inline cat; without inline_data each exits 0 and the image holds what was
# written; mkwrite-race refuses to run outside the e4inline-vm guest. About 3 s.
. "$E4I_SRCDIR/tests/lib.sh"
. "$E4I_SRCDIR/tests/reproducers/common.sh"
require_root_loop
for p in mmap-store otrunc-zeros truncate-up-pwrite enospc-convert mkwrite-race; do
    [ -x "$R/$p/$p" ] || skip_all "$R/$p/$p not built (run make)"
done
[ -w /proc/sys/vm/drop_caches ] || skip_all "cannot write /proc/sys/vm/drop_caches"
kernel=$(uname -r)

# --- with inline_data (16 MiB: 1 KiB blocks, as e4inline-vm's default image)
mkimg "$T/inline.img" 16M
mount_loop "$T/inline.img" "$T/inline" || skip_all "cannot mount a loop image"
for p in mmap-store otrunc-zeros truncate-up-pwrite enospc-convert; do
    "$R/$p/$p" "$T/inline" >"$T/$p.out" 2>&1
    echo $? >"$T/$p.rc"
    diag "$(cat "$T/$p.out")"
done
umount "$T/inline"
check "inline image: e2fsck -fn is clean after the four" fsck_clean "$T/inline.img"
for p in mmap-store otrunc-zeros truncate-up-pwrite enospc-convert; do
    rc=$(cat "$T/$p.rc")
    f=$(file_of "$T/$p.out" "$T/inline")
    expected_bytes "$p" "$T/$p.want"
    "$E4INLINE" cat "$T/inline.img" "$f" >"$T/$p.disk" 2>"$T/$p.err"
    verdict "$p" "$rc" "$kernel" "$f" "$T/$p.want" "$T/$p.disk"
done
check "mmap-store: the file was converted (the inline flag is gone on disk)" \
    sh -c "debugfs -R 'stat $(file_of "$T/mmap-store.out" "$T/inline")' '$T/inline.img' 2>/dev/null | grep -q 'Flags: 0x80000$'"
f=$(file_of "$T/enospc-convert.out" "$T/inline")
check "enospc-convert: the failed write left an extent file without a block (Flags 0x80000, Blockcount 0)" \
    sh -c "debugfs -R 'stat $f' '$T/inline.img' 2>/dev/null | grep -q 'Flags: 0x80000$' &&
           debugfs -R 'stat $f' '$T/inline.img' 2>/dev/null | grep -q 'Blockcount: 0$'"
check "enospc-convert: the filler is gone and the filesystem has free blocks again" \
    sh -c "! debugfs -R 'ls -l /' '$T/inline.img' 2>/dev/null | grep -q '\\.fill' &&
           [ \"\$(dumpe2fs -h '$T/inline.img' 2>/dev/null | awk '/^Free blocks:/ { print \$3 }')\" -gt 1000 ]"

# --- the control: the same sequences without inline_data keep the data
rm -f "$T/plain.img"
mke2fs -q -F -t ext4 -O ^inline_data -E lazy_itable_init=0,root_owner=0:0 "$T/plain.img" 16M >/dev/null 2>&1
mount_loop "$T/plain.img" "$T/plain" || skip_all "cannot mount a loop image"
for p in mmap-store otrunc-zeros truncate-up-pwrite enospc-convert; do
    "$R/$p/$p" "$T/plain" >"$T/$p.plain" 2>&1
    echo $? >"$T/$p.plainrc"
done
umount "$T/plain"
for p in mmap-store otrunc-zeros truncate-up-pwrite enospc-convert; do
    rc=$(cat "$T/$p.plainrc")
    check "$p without inline_data: exit 0 (got $rc)" [ "$rc" = 0 ]
    check "$p without inline_data: says the file is not inline" grep -q '^1\. .*: file is not inline$' "$T/$p.plain"
    f=$(file_of "$T/$p.plain" "$T/plain")
    "$E4INLINE" cat "$T/plain.img" "$f" >"$T/$p.pdisk" 2>/dev/null
    check "$p without inline_data: the unmounted image holds what was written" same_bytes "$T/$p.want" "$T/$p.pdisk"
done

# --- otrunc-zeros needs blocks smaller than a page: on 4 KiB blocks it keeps the data
mkimg "$T/b4k.img" 16M -b 4096
mount_loop "$T/b4k.img" "$T/b4k" || skip_all "cannot mount a loop image"
"$R/otrunc-zeros/otrunc-zeros" "$T/b4k" >"$T/b4k.out" 2>&1
rc=$?
umount "$T/b4k"
check "otrunc-zeros on 4 KiB blocks: exit 0 (got $rc)" [ $rc = 0 ]

# --- mkwrite-race can crash the kernel: outside the guest it refuses, touching nothing
mkimg "$T/race.img" 16M
mount_loop "$T/race.img" "$T/race" || skip_all "cannot mount a loop image"
before=$(ls -A "$T/race")
"$R/mkwrite-race/mkwrite-race" -d 1 "$T/race" >"$T/race.out" 2>&1
rc=$?
after=$(ls -A "$T/race")
umount "$T/race"
if grep -qw 'e4inline.vm=1' /proc/cmdline; then
    skip "mkwrite-race refuses outside the guest" "this kernel command line carries e4inline.vm=1"
else
    check "mkwrite-race outside the guest: exit 2 (got $rc)" [ $rc = 2 ]
    check "mkwrite-race outside the guest: says why" grep -q 'refusing to run: .*e4inline.vm=1' "$T/race.out"
    check "mkwrite-race outside the guest: created nothing" [ "$before" = "$after" ]
    check "mkwrite-race outside the guest: the image is untouched (e2fsck -fn clean)" fsck_clean "$T/race.img"
fi
done_testing
