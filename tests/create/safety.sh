#!/bin/sh
# Safety of the write commands: undo files that e2undo replays byte for byte,
# --dry-run that changes nothing, refusal of a mounted image, and failures
# (no free inodes, no free blocks) that leave e2fsck clean and say why.
. "$E4I_SRCDIR/tests/lib.sh"

img=$T/img   # note: mkimg below resets $img; later sections name their images
mkimg "$img" 8M -b 1024 || { not_ok "mke2fs"; done_testing; }
"$E4INLINE" create "$img" /seed --size 100 --pattern seed >/dev/null
"$E4INLINE" create "$img" /dir --dir >/dev/null
pattern_file "$T/big" 3000 5
"$E4INLINE" create "$img" /big --from "$T/big" --allow-extents >/dev/null
mkdir -p "$T/tree/sub"; echo one >"$T/tree/a"; echo two >"$T/tree/sub/b"

# undo WHAT CMD...: run CMD with -z, check it changed the image, then that
# e2undo gives back the original byte for byte.
undo() {
    what=$1; shift
    cp "$img" "$T/orig"
    if ! "$@" -z "$T/undo" >"$T/out" 2>&1; then not_ok "$what with -z"; diag "$(cat "$T/out")"; return; fi
    check "$what: e2fsck clean" fsck_clean "$img"
    if cmp -s "$img" "$T/orig"; then not_ok "$what changed the image"; else ok "$what changed the image"; fi
    if e2undo "$T/undo" "$img" >"$T/out" 2>&1 && cmp -s "$img" "$T/orig"; then
        ok "$what: e2undo restores the image byte for byte"
    else
        not_ok "$what: e2undo restores the image byte for byte"; diag "$(cat "$T/out")"
    fi
}
undo "create a file" "$E4INLINE" create "$img" /new --size 50
undo "create with parents" "$E4INLINE" create "$img" /x/y/z --size 5 -p
undo "create a symlink" "$E4INLINE" create "$img" /link --symlink "/$(printf 'q%.0s' $(seq 70))"
undo "convert to extents" "$E4INLINE" convert "$img" /seed --to extents
undo "convert a directory to extents" "$E4INLINE" convert "$img" /dir --to extents
undo "convert --all to extents" "$E4INLINE" convert --all "$img" --to extents
undo "create --from-dir" "$E4INLINE" create "$img" --from-dir "$T/tree" --into /copy -p

# --dry-run: says what would change, changes nothing.
dry() {
    what=$1; shift
    cp "$img" "$T/orig"
    "$@" --dry-run >"$T/out" 2>&1; rc=$?
    check "$what --dry-run exits 0" [ $rc = 0 ]
    check "$what --dry-run says 'would'" grep -q would "$T/out"
    check "$what --dry-run changes nothing" cmp -s "$img" "$T/orig"
}
dry "create" "$E4INLINE" create "$img" /a/b/c --size 10 -p
dry "create --dir" "$E4INLINE" create "$img" /newdir --dir
dry "convert" "$E4INLINE" convert "$img" /seed --to extents
"$E4INLINE" convert "$img" /seed --to extents >/dev/null
dry "convert --to inline" "$E4INLINE" convert "$img" /seed --to inline
dry "convert --all" "$E4INLINE" convert --all "$img" --to extents
dry "create --from-dir" "$E4INLINE" create "$img" --from-dir "$T/tree"

# A tree copy that cannot complete is refused before anything is written.
mkdir -p "$T/clash"; echo x >"$T/clash/seed"
cp "$T/img" "$T/orig"
"$E4INLINE" create "$T/img" --from-dir "$T/clash" >"$T/out" 2>&1; rc=$?
check "--from-dir onto an existing name fails with exit 8" [ $rc = 8 ]
check "and says why" grep -q "file exists" "$T/out"
check "and changes nothing" cmp -s "$T/img" "$T/orig"
mkdir -p "$T/wide"; i=0; while [ $i -lt 40 ]; do i=$((i + 1)); : >"$T/wide/f$i"; done
mkimg "$T/few2" 1M -b 1024 -N 16
cp "$T/few2" "$T/orig"
"$E4INLINE" create "$T/few2" --from-dir "$T/wide" >"$T/out" 2>&1; rc=$?
check "--from-dir without enough free inodes fails with exit 8" [ $rc = 8 ]
check "and says why" grep -q "not enough free inodes" "$T/out"
check "and changes nothing" cmp -s "$T/few2" "$T/orig"

# No free inodes: the error names the cause, the image stays clean.
mkimg "$T/few" 1M -b 1024 -N 16
i=0; rc=0
while [ $i -lt 64 ]; do
    i=$((i + 1))
    "$E4INLINE" create "$T/few" /f$i --size 10 >"$T/out" 2>&1 || { rc=$?; break; }
done
check "running out of inodes fails with exit 8" [ $rc = 8 ]
check "and says why" grep -qi "inode" "$T/out"
diag "$(cat "$T/out")"
check "the image stays clean" fsck_clean "$T/few"

# No free blocks for --to extents.
mkimg "$T/full" 1M -b 1024
"$E4INLINE" create "$T/full" /small --size 100 >/dev/null
free=$(dumpe2fs -h "$T/full" 2>/dev/null | sed -n 's/^Free blocks: *//p')
"$E4INLINE" create "$T/full" /filler --size $(( (free - 40) * 1024 )) --allow-extents >/dev/null 2>&1
i=0
while [ $i -lt 60 ]; do
    i=$((i + 1))
    "$E4INLINE" create "$T/full" /fill$i --size 1024 --allow-extents >/dev/null 2>&1 || break
done
check "the filled image is clean" fsck_clean "$T/full"
"$E4INLINE" convert "$T/full" /small --to extents >"$T/out" 2>&1; rc=$?
check "--to extents without free blocks fails with exit 8" [ $rc = 8 ]
check "and says why" grep -q "free blocks" "$T/out"
diag "$(cat "$T/out")"
check "the image stays clean" fsck_clean "$T/full"
check "the file is still inline" sh -c "'$E4INLINE' inspect '$T/full' /small | grep -q '^Storage: inline'"

# A mounted image (loop-mounted image file) is refused.
if [ "$(id -u)" = 0 ] && [ -e /dev/loop-control ] && grep -qw ext4 /proc/filesystems; then
    mkimg "$T/m.img" 4M
    if mount_loop "$T/m.img" "$T/mnt"; then
        cp "$T/m.img" "$T/m.before" 2>/dev/null
        "$E4INLINE" create "$T/m.img" /x --size 1 >"$T/out" 2>&1; rc=$?
        check "create refuses a loop-mounted image (exit 8)" [ $rc = 8 ]
        check "and says it is mounted" grep -q "mounted on" "$T/out"
        "$E4INLINE" convert --all "$T/m.img" --to extents >"$T/out" 2>&1; rc=$?
        check "convert refuses a loop-mounted image (exit 8)" [ $rc = 8 ]
        umount "$T/mnt"
    else
        not_ok "loop mount"
    fi
else
    skip "mounted image refused" "needs root and loop devices"
fi
done_testing
