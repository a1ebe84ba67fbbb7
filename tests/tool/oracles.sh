#!/bin/sh
# Independent oracles: `cat` equals the source file byte for byte, and
# `inspect` agrees with `debugfs -R stat` on flags, size and "Size of inline
# data", and with `debugfs -R ls` on directory entries, for every size from 0
# to past the capacity, on 256- and 512-byte inodes.
. "$E4I_SRCDIR/tests/lib.sh"

field() { sed -n "s/^$1: //p"; }

for geometry in "256 130" "512 390"; do
    set -- $geometry; isize=$1; top=$2
    src=$T/src$isize; mkdir -p "$src/d" "$src/links"
    n=0; while [ $n -le $top ]; do pattern_file "$src/f$n" $n $n; n=$((n + 1)); done
    for i in 1 2 3; do echo "entry $i" >"$src/d/e$i"; done
    for n in 59 60 61 100 127 128; do
        ln -s "$(awk -v n=$n 'BEGIN { for (i = 0; i < n; i++) printf "%c", 65 + i % 26 }')" "$src/links/l$n"
    done
    img=$T/img$isize.img
    mke2fs -q -F -t ext4 -O inline_data -I $isize -d "$src" "$img" 8M >/dev/null 2>&1 ||
        { not_ok "mke2fs -d with $isize-byte inodes"; continue; }

    bad_cat=0 bad_stat=0 inline_count=0
    n=0; while [ $n -le $top ]; do
        "$E4INLINE" cat "$img" /f$n >"$T/got" 2>"$T/err" || { bad_cat=$((bad_cat + 1)); diag "cat /f$n: $(cat "$T/err")"; }
        cmp -s "$T/got" "$src/f$n" || { bad_cat=$((bad_cat + 1)); diag "cat /f$n differs from the source"; }
        "$E4INLINE" inspect "$img" /f$n >"$T/ins"
        debugfs -R "stat /f$n" "$img" >"$T/dbg" 2>/dev/null
        d_flags=$(sed -n 's/.*Flags: \(0x[0-9a-f]*\).*/\1/p' "$T/dbg")
        d_size=$(sed -n 's/.*Project: .* Size: \([0-9]*\)$/\1/p' "$T/dbg")
        d_inline=$(field "Size of inline data" <"$T/dbg")
        i_flags=$(field Flags <"$T/ins" | cut -d' ' -f1)
        i_size=$(field Size <"$T/ins")
        i_inline=$(field "Size of inline data" <"$T/ins")
        [ "$((d_flags))" = "$((i_flags))" ] && [ "$d_size" = "$i_size" ] && [ "$d_inline" = "$i_inline" ] || {
            bad_stat=$((bad_stat + 1))
            diag "/f$n: debugfs flags=$d_flags size=$d_size inline=$d_inline; inspect flags=$i_flags size=$i_size inline=$i_inline"
        }
        [ -n "$i_inline" ] && inline_count=$((inline_count + 1))
        n=$((n + 1))
    done
    check "$isize-byte inodes: cat equals the source for sizes 0..$top" [ $bad_cat = 0 ]
    check "$isize-byte inodes: inspect agrees with debugfs stat for sizes 0..$top" [ $bad_stat = 0 ]
    cap=$("$E4INLINE" inspect "$img" /f0 | field "Inline capacity")
    check "$isize-byte inodes: exactly sizes 0..capacity ($cap) are inline" [ "$inline_count" = $((cap + 1)) ]

    for n in 59 60 61 100 127 128; do
        "$E4INLINE" cat "$img" /links/l$n >"$T/got" 2>/dev/null
        printf '%s' "$(readlink "$src/links/l$n")" | cmp -s - "$T/got" || { not_ok "$isize: symlink l$n target"; continue; }
        ok "$isize: cat of the $n-byte symlink is its target"
    done

    "$E4INLINE" inspect "$img" /d | sed -n 's/^Entry: [0-9]* "\(.*\)" rec_len.*/\1/p' | sort >"$T/ours"
    debugfs -R "ls /d" "$img" 2>/dev/null | tr -s ' \n' '\n\n' | grep -E '^e[0-9]+$' | sort >"$T/theirs"
    check "$isize: inline directory entries agree with debugfs ls" cmp -s "$T/ours" "$T/theirs"
    check "$isize: the image is e2fsck clean" fsck_clean "$img"
done
done_testing
