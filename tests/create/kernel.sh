#!/bin/sh
# Kernel round trips: what e4inline creates and converts, the kernel reads
# back with the same bytes, mode and owner; lsattr shows N where the data is
# inline; directories list the same entries; symlinks resolve.
. "$E4I_SRCDIR/tests/lib.sh"
require_root_loop
command -v lsattr >/dev/null || skip_all "needs lsattr (e2fsprogs)"

# A source tree with modes, owners, times, symlinks and a hard link.
src=$T/src
mkdir -p "$src/a/b" "$src/many"
for n in 0 1 59 60 61 100 128; do pattern_file "$src/a/f$n" $n $n; done
pattern_file "$src/a/b/large" 5000 9
chmod 0600 "$src/a/f1"; chown 123:456 "$src/a/f60"; chmod 0711 "$src/a/b"
ln -s /short "$src/a/fast"
ln -s "/$(printf 't%.0s' $(seq 1 99))" "$src/a/inline-link"
ln "$src/a/f61" "$src/a/b/hard"
for i in $(seq 1 40); do echo "$i" >"$src/many/entry-$i"; done
touch -d @1500000000 "$src/a/f100"
lsattr_flags() { lsattr -d "$1" 2>/dev/null | cut -d' ' -f1; }

# compare_tree MNT: the mounted copy equals $src, file by file.
compare_tree() {
    mnt=$1; bad=0
    (cd "$src" && find . | sort) >"$T/src.list"
    (cd "$mnt" && find . ! -path './lost+found*' ! -path './single' ! -path './sd*' ! -path './grow*' | sort) >"$T/mnt.list"
    same_bytes "$T/src.list" "$T/mnt.list" || bad=1
    while read -r p; do
        s=$src/$p; m=$mnt/$p
        if [ -L "$s" ]; then
            [ "$(readlink "$s")" = "$(readlink "$m")" ] || { diag "symlink $p differs"; bad=1; }
        elif [ -f "$s" ]; then
            cmp -s "$s" "$m" || { diag "bytes of $p differ"; bad=1; }
        fi
        [ -L "$s" ] || [ "$(stat -c '%a %u %g' "$s")" = "$(stat -c '%a %u %g' "$m")" ] ||
            { diag "mode/owner of $p: $(stat -c '%a %u %g' "$s") vs $(stat -c '%a %u %g' "$m")"; bad=1; }
        [ -f "$s" ] && [ ! -L "$s" ] && [ "$(stat -c %Y "$s")" != "$(stat -c %Y "$m")" ] && { diag "mtime of $p"; bad=1; }
    done <"$T/src.list"
    return $bad
}

for geo in "-b 4096 -I 256" "-b 1024 -I 512 -O ^metadata_csum"; do
    img=$T/img
    mkimg "$img" 16M $geo
    check "[$geo] create --from-dir" sh -c "'$E4INLINE' create '$img' --from-dir '$src' >'$T/out' 2>&1"
    check "[$geo] e2fsck clean" fsck_clean "$img"
    "$E4INLINE" create "$img" /single --size 77 --pattern xyz --mode 0604 --uid 1000 --gid 100 >/dev/null &&
        "$E4INLINE" create "$img" /sd/sub --dir -p >/dev/null &&
        "$E4INLINE" create "$img" /sd/sl --symlink "/$(printf 'u%.0s' $(seq 1 70))" >/dev/null
    check "[$geo] single creates, e2fsck clean" fsck_clean "$img"
    # An inline directory grown into system.data entry by entry, then one past it.
    "$E4INLINE" create "$img" /grow --dir >/dev/null
    i=0; while [ $i -lt 5 ]; do i=$((i + 1)); "$E4INLINE" create "$img" /grow/entry-$i --size $i >/dev/null; done
    check "[$geo] a directory grown into system.data stays inline" sh -c "'$E4INLINE' inspect '$img' /grow | grep -q '^Storage: inline'"
    "$E4INLINE" create "$img" /grow2 --dir >/dev/null
    i=0; while [ $i -lt 12 ]; do i=$((i + 1)); "$E4INLINE" create "$img" /grow2/entry-number-$i --size $i >/dev/null; done
    check "[$geo] grown directories, e2fsck clean" fsck_clean "$img"
    mount_loop "$img" "$T/mnt" || { not_ok "[$geo] mount"; continue; }
    check "[$geo] the kernel reads the same tree (bytes, mode, owner, mtime, links)" compare_tree "$T/mnt"
    check "[$geo] a 100-byte file shows N in lsattr" sh -c "lsattr '$T/mnt/a/f100' | cut -c1-22 | grep -q N"
    check "[$geo] an inline directory shows N" sh -c "lsattr -d '$T/mnt/a/b' | cut -c1-22 | grep -q N"
    check "[$geo] the 5000-byte file does not" sh -c "! lsattr '$T/mnt/a/b/large' | cut -c1-22 | grep -q N"
    check "[$geo] the inline symlink resolves" [ "$(readlink "$T/mnt/a/inline-link")" = "$(readlink "$src/a/inline-link")" ]
    check "[$geo] hard link count is 2" [ "$(stat -c %h "$T/mnt/a/f61")" = 2 ]
    check "[$geo] single file: bytes" [ "$(head -c 6 "$T/mnt/single")" = xyzxyz ]
    check "[$geo] single file: mode and owner" [ "$(stat -c '%a %u %g %s' "$T/mnt/single")" = "604 1000 100 77" ]
    check "[$geo] created dir lists its entries" [ "$(ls "$T/mnt/sd" | tr '\n' ' ')" = "sl sub " ]
    check "[$geo] created inline symlink resolves" [ "$(readlink "$T/mnt/sd/sl" | wc -c)" = 72 ]
    check "[$geo] the kernel lists a directory grown into system.data" [ "$(ls "$T/mnt/grow" | tr '\n' ' ')" = "entry-1 entry-2 entry-3 entry-4 entry-5 " ]
    check "[$geo] and reads its files" [ "$(cat "$T/mnt/grow/entry-5" | wc -c)" = 5 ]
    check "[$geo] the kernel lists a directory that outgrew inline" [ "$(ls "$T/mnt/grow2" | wc -l)" = 12 ]
    touch "$T/mnt/grow/kernel-added" && rm "$T/mnt/grow/entry-1"
    check "[$geo] the kernel adds and removes entries in it" [ "$(ls "$T/mnt/grow" | wc -l)" = 5 ]
    umount "$T/mnt"

    # convert there and back; the kernel reads the same after each.
    check "[$geo] convert --all --to extents" sh -c "'$E4INLINE' convert --all '$img' --to extents >/dev/null"
    check "[$geo] e2fsck clean" fsck_clean "$img"
    mount_loop "$img" "$T/mnt" || { not_ok "[$geo] mount"; continue; }
    check "[$geo] in extents, the kernel reads the same tree" compare_tree "$T/mnt"
    # Only flag fields count: lsattr -R also prints "/dir/path:" headers, and
    # the test's random mktemp directory name may contain an N.
    still_inline=$(lsattr -R "$T/mnt" 2>/dev/null | awk '$1 ~ /^[-a-zA-Z]+$/ && $1 ~ /N/')
    check "[$geo] no N flag left" [ -z "$still_inline" ]
    [ -z "$still_inline" ] || diag "still N after convert --all --to extents:" "$still_inline"
    umount "$T/mnt"
    check "[$geo] convert --all --to inline" sh -c "'$E4INLINE' convert --all '$img' --to inline >/dev/null"
    check "[$geo] e2fsck clean" fsck_clean "$img"
    mount_loop "$img" "$T/mnt" || { not_ok "[$geo] mount"; continue; }
    check "[$geo] inline again, the kernel reads the same tree" compare_tree "$T/mnt"
    check "[$geo] files are N again" sh -c "lsattr '$T/mnt/a/f128' | cut -c1-22 | grep -q N"
    check "[$geo] /many (too big) stays a block directory" sh -c "! lsattr -d '$T/mnt/many' | cut -c1-22 | grep -q N"
    # The kernel writes to what we made: append past capacity, then e2fsck.
    echo more >>"$T/mnt/a/f100"
    umount "$T/mnt"
    check "[$geo] after a kernel write, e2fsck clean" fsck_clean "$img"
done
done_testing
