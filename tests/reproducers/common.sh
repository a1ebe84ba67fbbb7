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

# xfail_or_ok NAME RC KERNEL [WHERE]: the reproducer's exit as one TAP line; 1 (the
# bug) is a TODO naming the kernel.
xfail_or_ok() {
    t="$1${4:+ $4}"
    case "$2" in
    0) ok "$t: exit 0, the kernel keeps the data" ;;
    1) tap_n=$((tap_n + 1))
       echo "not ok $tap_n - $t: exit 0 # TODO this kernel ($3) $(what_is_lost "$1")" ;;
    *) not_ok "$t: exit 0 or 1 (got $2)" ;;
    esac
}
