#!/bin/sh
# create and convert on every geometry the issue names: metadata_csum on and
# off, 1 KiB and 4 KiB blocks, 256- and 512-byte inodes. e2fsck -fn after
# every write; the library's reader (e4inline cat/inspect) reads back.
. "$E4I_SRCDIR/tests/lib.sh"

img=$T/img
# capacity PATH: the inline capacity e4inline inspect reports.
capacity() { "$E4INLINE" inspect "$img" "$1" | sed -n 's/^Inline capacity: //p'; }
storage() { "$E4INLINE" inspect "$img" "$1" | sed -n 's/^Storage: //p'; }
# wrote NAME CMD...: the command succeeds and e2fsck is clean afterwards.
wrote() { name=$1; shift; if "$@" >"$T/out" 2>&1 && fsck_clean "$img"; then ok "$name"; else not_ok "$name"; diag "$(cat "$T/out")"; fi; }
# snapshot PATH FILE: a file's bytes, or a directory's sorted listing (debugfs ls -p).
snapshot() {
    if [ "$("$E4INLINE" inspect "$img" "$1" | sed -n 's/^Type: //p')" = directory ]; then
        debugfs -R "ls -p $1" "$img" 2>/dev/null | grep . | sort >"$2"
    else
        "$E4INLINE" cat "$img" "$1" >"$2" 2>&1
    fi
}
same_content() {  # PATH EXPECTED_FILE
    snapshot "$1" "$T/got" && same_bytes "$T/got" "$2"
}

for csum in metadata_csum ^metadata_csum; do
for bs in 1024 4096; do
for isz in 256 512; do
    g="$csum bs=$bs inode=$isz"
    mkimg "$img" 8M -b $bs -I $isz -O $csum || { not_ok "$g: mke2fs"; continue; }

    wrote "$g: create an empty inline file" "$E4INLINE" create "$img" /empty --size 0
    cap=$(capacity /empty)
    want=$(( isz == 256 ? 128 : 384 ))
    check "$g: capacity of a new inode is $want" [ "$cap" = "$want" ]

    for n in 1 59 60 61 $cap; do
        pattern_file "$T/p$n" $n $n
        wrote "$g: create a $n-byte inline file" "$E4INLINE" create "$img" /f$n --from "$T/p$n" --mode 0640 --uid 7 --gid 8 --mtime 1234567890
        check "$g: $n-byte file reads back" same_content /f$n "$T/p$n"
        check "$g: $n-byte file is inline" [ "$(storage /f$n)" = inline ]
    done
    "$E4INLINE" inspect "$img" /f61 >"$T/insp"
    check "$g: mode, owner kept" grep -q '^Mode: 0640' "$T/insp"
    check "$g: uid kept" grep -q '^UID: 7' "$T/insp"

    over=$((cap + 1))
    "$E4INLINE" create "$img" /over --size $over >"$T/out" 2>&1; rc=$?
    check "$g: $over bytes refused with exit 1" [ $rc = 1 ]
    check "$g: refusal says how many bytes fit" grep -q "at most $cap bytes" "$T/out"
    check "$g: refusal leaves the image clean" fsck_clean "$img"
    pattern_file "$T/big" 5000 3
    wrote "$g: --allow-extents stores 5000 bytes" "$E4INLINE" create "$img" /big --from "$T/big" --allow-extents
    check "$g: extents file reads back" same_content /big "$T/big"
    check "$g: extents file is in extents" [ "$(storage /big)" = extents ]

    wrote "$g: create an inline directory" "$E4INLINE" create "$img" /d --dir --mode 0700
    check "$g: the directory is inline" [ "$(storage /d)" = inline ]
    wrote "$g: -p makes parents" "$E4INLINE" create "$img" /p/q/r --size 3 -p
    check "$g: made parents are inline" [ "$(storage /p/q)" = inline ]
    # Fill the inline directory: it grows into system.data, then becomes a block directory.
    i=0; grew=no
    while [ $i -lt 30 ]; do
        i=$((i + 1))
        "$E4INLINE" create "$img" /d/entry-with-a-long-name-$i --size $((i % 7)) >"$T/out" 2>&1 || break
        fsck_clean "$img" || break
        [ "$(storage /d)" = inline ] && [ "$("$E4INLINE" inspect "$img" /d | sed -n 's/^Size: //p')" -gt 60 ] && grew=yes
    done
    check "$g: 30 entries added to an inline directory, e2fsck clean after each" [ $i = 30 ]
    check "$g: the directory grew into system.data first" [ $grew = yes ]
    check "$g: then it became a block directory" [ "$(storage /d)" = extents ]

    wrote "$g: a short symlink" "$E4INLINE" create "$img" /s --symlink /short/target
    check "$g: the tool says it is fast" grep -q 'fast symlink' "$T/out"
    long=/$(printf 'l%.0s' $(seq 1 90))
    wrote "$g: a 91-byte symlink" "$E4INLINE" create "$img" /ls --symlink "$long"
    check "$g: the 91-byte symlink is inline" [ "$(storage /ls)" = inline ]
    check "$g: its target reads back" [ "$("$E4INLINE" cat "$img" /ls)" = "$long" ]

    # convert there and back
    for p in /f1 /f60 /f$cap /ls /p/q; do
        snapshot $p "$T/before"
        wrote "$g: convert $p to extents" "$E4INLINE" convert "$img" $p --to extents
        check "$g: $p in extents keeps its bytes" same_content $p "$T/before"
        wrote "$g: convert $p back to inline" "$E4INLINE" convert "$img" $p --to inline
        check "$g: $p inline again keeps its bytes" same_content $p "$T/before"
        check "$g: $p is inline again" [ "$(storage $p)" = inline ]
    done
    "$E4INLINE" convert "$img" /big --to inline >"$T/out" 2>&1; rc=$?
    check "$g: --to inline refuses 5000 bytes with exit 1" [ $rc = 1 ]
    check "$g: and says why" grep -q "do not fit" "$T/out"
    wrote "$g: --all --to extents" "$E4INLINE" convert --all "$img" --to extents
    check "$g: nothing inline is left" [ "$(storage /f61)" = extents ]
    wrote "$g: --all --to inline" "$E4INLINE" convert --all "$img" --to inline
    check "$g: --all summary counts refusals" grep -q "refused" "$T/out"
    check "$g: files are inline again" [ "$(storage /f61)" = inline ]
    check "$g: content survives the round trip" same_content /f$cap "$T/p$cap"
done
done
done
done_testing
