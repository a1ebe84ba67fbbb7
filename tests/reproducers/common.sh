# Helpers shared by the reproducer tests (sourced after tests/lib.sh).
R=$E4I_BUILDDIR/contrib/reproducers

# expected_bytes NAME FILE: what NAME writes and expects to read back.
expected_bytes() {
    case "$1" in
    mmap-store) printf 'AAABAAAAAA' ;;
    otrunc-zeros) printf 'yyyyyyyyyyyyyyyyyyyyyyyyyyyy' ;;
    truncate-up-pwrite) printf 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'; head -c 34 /dev/zero
        printf 'BBBBBBBBBBBBBB'; head -c 7 /dev/zero ;;
    enospc-convert) printf '0123456789' ;;
    esac >"$2"
}

# what_is_lost NAME: the finding, for the TODO reason.
what_is_lost() {
    case "$1" in
    mmap-store) echo "loses a store through a shared mapping into an inline file" ;;
    otrunc-zeros) echo "reads and writes back zeros after a truncate of a just-converted file" ;;
    truncate-up-pwrite) echo "loses a pwrite after a truncate up of an inline file" ;;
    enospc-convert) echo "loses the bytes of an inline file when a write past its capacity fails with ENOSPC" ;;
    esac
}

# file_of OUTPUT MOUNTPOINT: the file a reproducer used, as a path in its filesystem
# (its first line is "NAME: PATH (block size N)").
file_of() {
    sed -n '1s/^[^:]*: \([^ ]*\) (block size.*/\1/p' "$1" | sed "s|^$2||"
}

# todo_line NAME KERNEL REPRODUCER: one expected failure, the finding named in the reason.
todo_line() {
    tap_n=$((tap_n + 1))
    echo "not ok $tap_n - $1 # TODO this kernel ($2) $(what_is_lost "$3")"
}

# verdict NAME RC KERNEL FILE WANT DISK [WHERE]: a reproducer's exit RC and what
# the unmounted image holds in FILE (DISK, read with e4inline cat; WANT is what
# was written), as TAP lines. Exit 1 is the bug: a TODO naming the kernel, and
# the image must show the loss. Exit 0 passes only when the image holds what was
# written. The image is the oracle, not the reproducer's own read-back: on 6.1
# in the guest, enospc-convert once read its bytes back after fsync and
# drop_caches and exited 0, and the image after the unmount did not hold them.
# That is the same finding, recorded as a TODO that checks the image differs.
verdict() {
    t="$1${7:+ $7}"
    case "$2" in
    1) todo_line "$t: exit 0" "$3" "$1"
       check "$t: the loss is real: e4inline cat $4 on the image differs from what was written" \
           sh -c "[ -n '$4' ] && [ -s '$6' ] && ! cmp -s '$5' '$6'" ;;
    0) if cmp -s "$5" "$6"; then
           ok "$t: exit 0, the kernel keeps the data"
           ok "$t: e4inline cat $4 on the image is what was written"
       elif [ -n "$4" ] && [ -s "$6" ]; then
           ok "$t: exit 0: its own read-back after drop_caches saw the bytes"
           diag "but the image differs: written $(od -An -c "$5" | tr -s ' \n' ' ')" \
               "on the image $(od -An -c "$6" | tr -s ' \n' ' ')"
           todo_line "$t: e4inline cat $4 on the image is what was written" "$3" "$1"
       else
           not_ok "$t: e4inline cat $4 on the image is what was written (no such file on the image)"
       fi ;;
    *) not_ok "$t: exit 0 or 1 (got $2)" ;;
    esac
}
