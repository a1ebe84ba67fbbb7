#!/bin/sh
# Fault injection into every write command (E4INLINE_TEST_FAULT, see
# lib/staged_io.hpp): the Nth block write libext2fs makes fails, the
# Nth block allocation fails, the Nth write of the commit (undo file or image)
# fails, for every N the command reaches. After each run, either the command
# failed and the image is byte for byte what it was (the target absent), or
# it succeeded and e2fsck -fn is clean and the target is fully written.
. "$E4I_SRCDIR/tests/lib.sh"

base=$T/base
mkimg "$base" 8M -b 1024 || { not_ok "mke2fs"; done_testing; }
img=$T/img   # after mkimg, which sets $img
E=$E4INLINE
# The starting image: an inline file, an extents file, a nearly full inline
# directory (i_block full), a directory at capacity (the next entry needs a
# block), a small file for craft.
$E create "$base" /seed --size 100 --pattern seed >/dev/null
$E create "$base" /ext --size 40 --pattern ext >/dev/null
$E convert "$base" /ext --to extents >/dev/null
$E create "$base" /g --dir >/dev/null
for n in 1 2 3; do $E create "$base" /g/n$n --size 1 >/dev/null; done
$E create "$base" /h --dir >/dev/null
n=0
while :; do
    n=$((n + 1))
    cp "$base" "$T/probe"
    $E create "$T/probe" /h/entry$n --size 1 >/dev/null || break
    $E inspect "$T/probe" /h 2>/dev/null | grep -q '^Storage: inline' || break
    cp "$T/probe" "$base"
done
$E create "$base" /small --size 10 >/dev/null
check "the starting image is clean" fsck_clean "$base"
mkdir -p "$T/tree/sub"; printf 'one' >"$T/tree/a"; printf 'two' >"$T/tree/sub/b"
ln -s "$(printf 'L%.0s' $(seq 70))" "$T/tree/long-link"
mkfifo "$T/tree/fifo"   # --from-dir copies special files too
pattern_file "$T/src100" 100 3
cat >"$T/manifest" <<EOF
/m/a file 30
/m/d dir
/m/d/s symlink $(printf 'T%.0s' $(seq 80))
EOF

# with_fault SPEC CMD: eval CMD with E4INLINE_TEST_FAULT=SPEC in its environment only.
with_fault() {
    E4INLINE_TEST_FAULT=$1; export E4INLINE_TEST_FAULT
    eval "$2"; wf_rc=$?
    unset E4INLINE_TEST_FAULT
    return $wf_rc
}

# faults NAME SUCCESS_CHECK CMD: run CMD (with $img for the image) once
# counting, then once per fault point of each kind.
faults() {
    what=$1 success=$2 cmd=$3
    cp "$base" "$img"
    counts=$(with_fault count "$cmd" 2>&1 >/dev/null | sed -n 's/^e4inline-test-fault: //p' | tail -1)
    case $counts in *write=[1-9]*) ;; *) not_ok "$what: the fault hook counts its writes"; return ;; esac
    if ! eval "$success"; then not_ok "$what: succeeds without a fault"; return; fi
    ok "$what: succeeds without a fault ($counts)"
    for kind in write alloc commit; do
        total=$(printf '%s\n' "$counts" | tr ' ' '\n' | sed -n "s/^$kind=//p")
        bad=0 failed=0 n=0
        while [ "$n" -lt "${total:-0}" ]; do
            n=$((n + 1))
            cp "$base" "$img"
            with_fault "$kind=$n" "$cmd" >"$T/out" 2>&1; rc=$?
            if [ $rc != 0 ]; then
                failed=$((failed + 1))
                if ! cmp -s "$img" "$base" || [ $(wc -l <"$T/out") != 1 ]; then
                    bad=$((bad + 1)); diag "$kind=$n: exit $rc, image changed or message not one line: $(cat "$T/out")"
                fi
                fsck_clean "$img" >/dev/null || { bad=$((bad + 1)); diag "$kind=$n: e2fsck not clean"; }
            elif ! eval "$success"; then
                bad=$((bad + 1)); diag "$kind=$n: exit 0 but the target is not fully written or e2fsck is not clean"
            fi
        done
        check "$what: $kind faults 1..${total:-0} ($failed failed cleanly): image unchanged or complete" [ $bad = 0 ]
    done
}

clean() { fsck_clean "$img" >/dev/null; }
reads() { clean && "$E" cat "$img" "$1" 2>/dev/null | cmp -s - "$2"; }
printf '%s' "$(printf 'q%.0s' $(seq 80))" >"$T/target80"
printf 'one' >"$T/one"

faults "create a file" 'reads /f "$T/src100"' '$E create "$img" /f --from "$T/src100"'
faults "create a directory" 'clean && $E inspect "$img" /nd >/dev/null' '$E create "$img" /nd --dir'
faults "create an inline symlink" 'reads /sl "$T/target80"' \
    '$E create "$img" /sl --symlink "$(cat "$T/target80")"'
faults "create growing the parent into system.data" 'reads /g/new "$T/src100"' \
    '$E create "$img" /g/new --from "$T/src100"'
faults "create growing the parent into a block" 'reads /h/new "$T/src100"' \
    '$E create "$img" /h/new --from "$T/src100"'
faults "create with parents" 'reads /p/q/r "$T/src100"' '$E create "$img" /p/q/r --from "$T/src100" -p'
faults "create --from-dir" 'reads /copy/a "$T/one" && $E inspect "$img" /copy/long-link >/dev/null &&
    $E inspect "$img" /copy/fifo | grep -q "^Type: fifo"' \
    '$E create "$img" --from-dir "$T/tree" --into /copy -p'
faults "create --manifest" 'clean && $E inspect "$img" /m/d/s >/dev/null' '$E create "$img" --manifest "$T/manifest"'
faults "convert to extents" 'clean && $E inspect "$img" /seed | grep -q "^Storage: extents"' \
    '$E convert "$img" /seed --to extents'
faults "convert to inline" 'clean && $E inspect "$img" /ext | grep -q "^Storage: inline"' \
    '$E convert "$img" /ext --to inline'
faults "convert --all to extents" 'clean && $E inspect "$img" /g | grep -q "^Storage: extents"' \
    '$E convert --all "$img" --to extents'
faults "craft fill" 'clean && $E inspect "$img" /filled >/dev/null' '$E craft "$img" /filled fill'
faults "craft system-data-outside-body" \
    '$E verify "$img" 2>/dev/null | grep -q "/small: system-data-outside-body"' \
    '$E craft "$img" /small system-data-outside-body'
faults "create with -z" 'reads /z "$T/src100" && [ -s "$T/z.undo" ]' \
    'rm -f "$T/z.undo"; $E create "$img" /z --from "$T/src100" -z "$T/z.undo"'
done_testing
