#!/bin/sh
# crosscheck on a loop-mounted image: everything equal after ordinary kernel
# writes, and each kind of change made behind the kernel's back is found,
# at exactly the right offset.
. "$E4I_SRCDIR/tests/lib.sh"
. "$E4I_SRCDIR/tests/crosscheck/lib-crosscheck.sh"

# --- without root: usage errors and a clear refusal
"$E4INLINE" crosscheck >/dev/null 2>&1; rc=$?
check "no MOUNTPOINT is a usage error (16)" [ $rc -eq 16 ]
"$E4INLINE" crosscheck --max-freeze never / >/dev/null 2>&1; rc=$?
check "--max-freeze wants seconds (16)" [ $rc -eq 16 ]

require_root_loop
command -v debugfs >/dev/null || skip_all "needs debugfs"
command -v fsfreeze >/dev/null || skip_all "needs fsfreeze (util-linux)"

if command -v setpriv >/dev/null; then
    setpriv --reuid=65534 --regid=65534 --clear-groups "$E4INLINE" crosscheck / >"$T/out" 2>&1; rc=$?
    if [ $rc -eq 8 ] && grep -q "needs root" "$T/out"; then ok "a non-root user is told it needs root (exit 8)"
    else not_ok "a non-root user is told it needs root (exit 8)"; diag "rc=$rc" "$(cat "$T/out")"; fi
else
    skip "a non-root user is told it needs root" "no setpriv"
fi
"$E4INLINE" crosscheck /proc >"$T/out" 2>&1; rc=$?
check "a filesystem that is not ext4 is refused (8)" sh -c "[ $rc -eq 8 ] && grep -q 'not ext4' '$T/out'"

# --- the clean cases
img=$T/clean.img M=$T/clean
mkimg "$img" 16M
mount_loop "$img" "$M" || skip_all "cannot loop-mount an ext4 image"
for n in 0 1 59 60 61 100 128; do pattern_file "$M/w$n" $n $n; done
pattern_file "$M/app60" 50 1; pattern_file "$T/x20" 20 2; cat "$T/x20" >>"$M/app60"
pattern_file "$M/appcap" 100 3; pattern_file "$T/x50" 50 4; cat "$T/x50" >>"$M/appcap"
pattern_file "$M/down" 100 5; truncate -s 30 "$M/down"
pattern_file "$M/up" 20 6; truncate -s 90 "$M/up"
pattern_file "$M/upfar" 20 7; truncate -s 5000 "$M/upfar"
pattern_file "$M/zero" 10 9; truncate -s 0 "$M/zero"   # stays inline, FIEMAP has no extent
mkdir "$M/d" "$M/d/sub"; for f in a b c dd eee; do echo "$f" >"$M/d/$f"; done; rm "$M/d/b" "$M/d/dd"
ln -s short "$M/fastlink"
# Over 1 MiB: re-read and compared in chunks rather than held in memory.
dd if=/dev/urandom of="$M/huge" bs=1M count=3 status=none
flags=$(lsattr -d "$M/w100" 2>/dev/null | awk '{ print $1 }')  # the flag field only, not the path
case $flags in *N*) ok "a 100-byte write(2) is inline in the kernel (lsattr N)";;
    *) not_ok "a 100-byte write(2) is inline in the kernel (lsattr N)"; diag "$flags";; esac

# Another filesystem mounted inside is not walked.
mkdir "$M/other"
if mount -t tmpfs -o size=1M e4i-test "$M/other"; then
    on_exit "umount '$M/other'"
    echo elsewhere >"$M/other/not-ours"
fi
"$E4INLINE" crosscheck "$M" >"$T/out" 2>&1; rc=$?
if grep -q "^checked 22 inodes .* 1 skipped$" "$T/out"; then ok "a tmpfs mounted inside is skipped, not walked"
else not_ok "a tmpfs mounted inside is skipped, not walked"; diag "$(tail -3 "$T/out")"; fi
if [ $rc -eq 0 ] && grep -q '^all equal$' "$T/out"; then ok "clean: write(2), appends, truncates, dirs: all equal (exit 0)"
else not_ok "clean: write(2), appends, truncates, dirs: all equal (exit 0)"; diag "rc=$rc" "$(cat "$T/out")"; fi
grep -q "frozen for [0-9.]* ms" "$T/out" && ok "the freeze time is reported in ms" || not_ok "the freeze time is reported in ms"
grep -q "(loop device of $img)" "$T/out" && ok "the loop device's backing file is reported" || not_ok "the loop device's backing file is reported"
grep -q "inline on disk" "$T/out" && ! grep -q " 0 inline on disk" "$T/out" && ok "inline files were found on disk" || not_ok "inline files were found on disk"

"$E4INLINE" crosscheck --json "$M" >"$T/json" 2>&1; rc=$?
check "--json: exit 0 and summary.equal true" sh -c "[ $rc -eq 0 ] && grep -q '\"equal\": true' '$T/json' && grep -q '\"frozen\": true' '$T/json'"
check "--json: the default way reads before the freeze (method revalidate)" grep -q '"method": "revalidate"' "$T/json"
# EXT4_IOC_CHECKPOINT is in Linux 5.13 and later: there it must be used.
kv=$(uname -r | sed 's/^\([0-9]*\)\.\([0-9]*\).*/\1 \2/')
if [ "${kv% *}" -gt 5 ] || { [ "${kv% *}" -eq 5 ] && [ "${kv#* }" -ge 13 ]; }; then
    check "--json: the journal was checkpointed before the freeze (Linux $(uname -r))" \
        grep -q '^  "checkpoint": true,$' "$T/json"
else
    check "--json: no checkpoint before Linux 5.13 (and no error)" grep -q '^  "checkpoint": false,$' "$T/json"
fi
if command -v python3 >/dev/null; then
    check "--json: the frozen time covers both ioctls (freeze_ms >= freeze_ioctl_ms + thaw_ioctl_ms > 0)" \
        python3 -c 'import json, sys; r = json.load(open(sys.argv[1]))
sys.exit(not (r["freeze_ioctl_ms"] > 0 and r["thaw_ioctl_ms"] > 0 and
              r["freeze_ms"] >= r["freeze_ioctl_ms"] + r["thaw_ioctl_ms"]))' "$T/json"
else
    skip "--json: the frozen time covers both ioctls" "needs python3"
fi
"$E4INLINE" crosscheck --no-checkpoint --json "$M" >"$T/json2" 2>&1; rc=$?
check "--no-checkpoint: all equal, checkpoint false, checkpoint_ms 0" \
    sh -c "[ $rc -eq 0 ] && grep -q '\"checkpoint\": false' '$T/json2' && grep -q '\"checkpoint_ms\": 0' '$T/json2' && grep -q '\"equal\": true' '$T/json2'"
# The blocks of directories are planned before the freeze from their inodes
# then; a directory that grows in between must be read again, not from the plan.
mkdir "$M/grow" && for i in $(seq 100); do : >"$M/grow/first-entry-$i"; done
E4I_DEBUG_TIMING=1 E4INLINE_TEST_BEFORE_FREEZE="for i in \$(seq 300); do : >'$M/grow/later-entry-'\$i; done" \
    "$E4INLINE" crosscheck "$M" >"$T/out" 2>&1; rc=$?
check "a directory grown between the plan and the freeze: all equal, its blocks read again under the freeze" \
    sh -c "[ $rc -eq 0 ] && grep -q '^all equal$' '$T/out' && grep -q ', [1-9][0-9]* more directories ' '$T/out' &&
           grep -q '^[1-9][0-9]* changed while checking' '$T/out'"
[ $rc -eq 0 ] || diag "$(cat "$T/out")"
rm -rf "$M/grow"
"$E4INLINE" crosscheck --no-io-uring --json "$M" >"$T/json2" 2>&1; rc=$?
check "--no-io-uring: the same with preads (exit 0, io_uring false)" \
    sh -c "[ $rc -eq 0 ] && grep -q '\"io_uring\": false' '$T/json2' && grep -q '\"equal\": true' '$T/json2'"
"$E4INLINE" crosscheck --walk-frozen --json "$M" >"$T/json2" 2>&1; rc=$?
check "--walk-frozen: the old way, all equal too" \
    sh -c "[ $rc -eq 0 ] && grep -q '\"method\": \"walk-frozen\"' '$T/json2' && grep -q '\"equal\": true' '$T/json2'"
"$E4INLINE" crosscheck --floor "$M" >"$T/out" 2>&1; rc=$?
check "--floor: times the read of the inode tables in use" \
    sh -c "[ $rc -eq 0 ] && grep -q '^read [1-9][0-9]* bytes of inode tables from /dev/.* with O_DIRECT in ' '$T/out'"
"$E4INLINE" crosscheck --inline-only "$M" /d /w100 >"$T/out" 2>&1; rc=$?
check "--inline-only with paths: exit 0" [ $rc -eq 0 ]
"$E4INLINE" crosscheck --no-freeze "$M" >"$T/out" 2>&1; rc=$?
check "--no-freeze: exit 0 and a warning about concurrent writers" sh -c "[ $rc -eq 0 ] && grep -q 'concurrent writers' '$T/out'"
timeout 5 sh -c "echo after >'$M/after'"
check "the filesystem is writable after the checks (thawed)" [ -s "$M/after" ]

# Inline symlinks exist only in images made by e2fsprogs (mke2fs -d).
mkdir -p "$T/src"; long=/$(printf 'target%.0s' 1 2 3 4 5 6 7 8 9 10 11 12)
ln -s "$long" "$T/src/inlinelink"; echo small >"$T/src/small"
pattern_file "$T/src/three-hundred" 300 21   # inline only with 512-byte inodes (capacity 384)
mke2fs -q -F -t ext4 -O inline_data -I 512 -E root_owner=0:0 -d "$T/src" "$T/links.img" 8M >/dev/null 2>&1
mount_loop "$T/links.img" "$T/links" || not_ok "mount the mke2fs -d image"
"$E4INLINE" inspect "$T/links.img" /inlinelink 2>/dev/null | grep -q '^Storage: inline' && ok "the mke2fs -d symlink is inline" || not_ok "the mke2fs -d symlink is inline"
"$E4INLINE" inspect "$T/links.img" /three-hundred 2>/dev/null | grep -q "^Storage: inline" && ok "the 300-byte file is inline in a 512-byte inode" || not_ok "the 300-byte file is inline in a 512-byte inode"
"$E4INLINE" crosscheck "$T/links" >"$T/out" 2>&1; rc=$?
if [ $rc -eq 0 ] && grep -q '1 symlinks; 3 inline on disk' "$T/out"; then
    ok "clean: inline symlink and a 300-byte file in 512-byte inodes (mke2fs -d): all equal"
else
    not_ok "clean: inline symlink and a 300-byte file in 512-byte inodes (mke2fs -d): all equal"
    diag "rc=$rc" "$(cat "$T/out")"
fi
umount "$T/links"


# A store through a shared mmap converts an inline file (ext4_page_mkwrite).
# The issue lists it as a clean case. On some kernels the store is lost: the
# page cache shows it, the disk never gets it, not even at unmount. Then the
# mismatch is the finding, and we check that it is true.
if command -v python3 >/dev/null && python3 -c 'import mmap' 2>/dev/null; then
    mkimg "$T/mmap.img" 8M
    mount_loop "$T/mmap.img" "$T/mmap" || not_ok "mount the mmap image"
    printf 'abcdefghijklmnopqrstuvwxyzabcdefghijklmn' >"$T/mmap/mm"
    python3 -c 'import mmap, os, sys
fd = os.open(sys.argv[1], os.O_RDWR); m = mmap.mmap(fd, 0); m[3:5] = b"XY"; m.flush(); m.close()' "$T/mmap/mm"
    "$E4INLINE" crosscheck "$T/mmap" >"$T/out" 2>&1; rc=$?
    umount "$T/mmap"
    after=$("$E4INLINE" cat "$T/mmap.img" /mm)
    if [ $rc -eq 0 ]; then
        ok "clean: a file written through a shared mmap: all equal"
        check "mmap: the store reached the disk" [ "$after" = abcXYfghijklmnopqrstuvwxyzabcdefghijklmn ]
    else
        diag "$(cat "$T/out")"
        echo "not ok $((tap_n + 1)) - clean: a file written through a shared mmap: all equal # TODO this kernel ($(uname -r)) loses a shared-mmap store to an inline file"
        tap_n=$((tap_n + 1))
        if grep -q '^/mm (inode [0-9]*, regular): content mismatch: .*first difference at offset 3$' "$T/out" &&
           [ "$after" = abcdefghijklmnopqrstuvwxyzabcdefghijklmn ]; then
            ok "mmap: the mismatch is real: after unmount the image still lacks the store at offset 3"
        else
            not_ok "mmap: the mismatch is real: after unmount the image still lacks the store at offset 3"
            diag "rc=$rc image after unmount: $after"
        fi
    fi
else
    skip "clean: a file written through a shared mmap" "needs python3 with mmap"
fi

# --- the detection cases, on a second image
img=$T/dirty.img M=$T/dirty
mkimg "$img" 16M
mount_loop "$img" "$M" || skip_all "cannot mount"
# mount_loop has no option passing: remount noatime so reads never dirty an inode.
mount -o remount,noatime "$M"
dev=$(findmnt -no SOURCE "$M")
pattern_file "$M/content" 100 11; pattern_file "$M/flag" 50 12; pattern_file "$M/size" 100 13
pattern_file "$M/untouched" 100 14; pattern_file "$M/grow" 100 15
odd=$(printf 'a\001\377')   # a control character and a byte that is not UTF-8
pattern_file "$M/$odd" 50 16
dd if=/dev/urandom of="$M/big" bs=1M count=3 status=none
# Keep the kernel's inodes and pages in memory for the whole test. The
# descriptors must be closed before the cleanup unmounts, whatever happens.
exec 3<"$M/content" 4<"$M/flag" 5<"$M/size" 6<"$M/untouched" 7<"$M/grow" 8<"$M/big" 9<"$M/$odd"
trap 'exec 3<&- 4<&- 5<&- 6<&- 7<&- 8<&- 9<&-; e4i_run_cleanup' EXIT
settle "$M"
"$E4INLINE" crosscheck "$M" >"$T/out" 2>&1; rc=$?
check "before any change: all equal" [ $rc -eq 0 ]

ino=$(stat -c %i "$M/content"); pos=$(disk_pos "$img" "$ino")
vo=$("$E4INLINE" inspect --json "$img" "<$ino>" | sed -n 's/.*"value_offset": \([0-9]*\).*/\1/p' | head -1)
poke "$img" $((pos + 40 + 17)) 'Z'            # inline byte 17, in i_block
poke "$img" $((pos + vo + 5)) 'Q'             # inline byte 65, in system.data
debugfs -w -R "sif <$(stat -c %i "$M/flag")> flags 0" "$img" >/dev/null 2>&1
debugfs -w -R "sif <$(stat -c %i "$M/size")> size 40" "$img" >/dev/null 2>&1
debugfs -w -R "sif <$(stat -c %i "$M/grow")> size 120" "$img" >/dev/null 2>&1
debugfs -w -R "sif <$(stat -c %i "$M/$odd")> flags 0" "$img" >/dev/null 2>&1
# A 3 MiB file in extents (compared in 1 MiB chunks): one byte at file
# offset 2100000, in the third chunk. Its page cache keeps the old byte.
bs=$(dumpe2fs -h "$img" 2>/dev/null | awk '/^Block size:/ { print $3 }')
blk=$(debugfs -R "bmap <$(stat -c %i "$M/big")> $((2100000 / bs))" "$img" 2>/dev/null)
old=$(dd if="$M/big" bs=1 skip=2100000 count=1 status=none | od -An -tx1 | tr -d ' ')
[ "$old" = 5a ] && new=Y || new=Z
poke "$img" $((blk * bs + 2100000 % bs)) "$new"
forget_disk "$dev"

"$E4INLINE" crosscheck "$M" >"$T/out" 2>&1; rc=$?
diag "$(grep -v '^    ' "$T/out")"
check "changes behind the kernel's back: exit 4" [ $rc -eq 4 ]
check "content: mismatch at exactly offset 17 (i_block)" \
    grep -q "^/content (inode $ino, regular): content mismatch: .*first difference at offset 17$" "$T/out"
check "content: the hexdump shows the kernel's and the disk's bytes" \
    sh -c "grep -q '^    kernel 00000010 ' '$T/out' && grep -q '^    disk   00000010 .*|.Z' '$T/out'"
check "flag: inline in the kernel, not inline on disk" \
    grep -q "^/flag (inode [0-9]*, regular): flag mismatch: kernel inline, disk not inline$" "$T/out"
check "size: st_size 100 against i_size 40" \
    grep -q "^/size (inode [0-9]*, regular): size mismatch: kernel st_size 100, disk i_size 40$" "$T/out"
check "i_size past the inline size in use: a disk-layout mismatch" \
    grep -q "^/grow (inode [0-9]*, regular): disk-layout mismatch: kernel -, disk i_size 120 exceeds the inline size in use 100$" "$T/out"
check "a file in extents: content mismatch at exactly offset 2100000 (read with O_DIRECT)" \
    grep -q "^/big (inode [0-9]*, regular): content mismatch: .*first difference at offset 2100000$" "$T/out"
check "a name with a control byte and a non-UTF-8 byte is escaped in the text (printable)" \
    grep -qF '/a\x01\xff (inode ' "$T/out"
check "... and no raw byte of it reaches the text" sh -c "! LC_ALL=C grep -q '$odd' '$T/out'"
"$E4INLINE" crosscheck --json "$M" "$M/$odd" >"$T/json-odd" 2>&1; rc=$?
check "... and is lossless in the JSON: path_b64 holds its exact bytes" \
    sh -c "[ $rc -eq 4 ] && grep -q '\"path_b64\": \"L2EB/w==\"' '$T/json-odd'"
"$E4INLINE" crosscheck --inline-only "$M" /big >"$T/out2" 2>&1; rc=$?
check "--inline-only leaves the file in extents alone (exit 0)" [ $rc -eq 0 ]
check "an untouched file has no mismatch" sh -c "! grep -q '^/untouched ' '$T/out'"

# The second change, past the first: with the first undone, offset 65 shows.
poke "$img" $((pos + 40 + 17)) "$(dd if="$M/content" bs=1 skip=17 count=1 status=none)"
forget_disk "$dev"
"$E4INLINE" crosscheck --json "$M" /content >"$T/json" 2>&1; rc=$?
check "content in system.data: mismatch at exactly offset 65 (JSON)" \
    sh -c "[ $rc -eq 4 ] && grep -q '\"kind\": \"content\"' '$T/json' && grep -q '\"offset\": 65,' '$T/json'"
exec 3<&- 4<&- 5<&- 6<&- 7<&- 8<&- 9<&-

done_testing
