#!/bin/sh
# Write commands hold an exclusive flock(2) on the image for the whole write:
# a second writer is refused with a clear message, never interleaved. Two
# loops of 15 creates into one inline directory, 40 rounds: every create
# exits 0 or is refused by the lock (and then retried), e2fsck is clean and
# all 30 entries are there.
. "$E4I_SRCDIR/tests/lib.sh"
command -v flock >/dev/null || skip_all "needs flock(1) (util-linux)"

img=$T/img
mkimg "$img" 8M || { not_ok "mke2fs"; done_testing; }
cp "$img" "$T/orig"
flock "$img" "$E4INLINE" create "$img" /held --size 3 >"$T/out" 2>&1; rc=$?
check "a create while another process holds the lock exits 8" [ $rc = 8 ]
check "and says the image is being written by another process" grep -q "another process is writing to the image" "$T/out"
check "and changes nothing" same_bytes "$img" "$T/orig"
flock "$img" "$E4INLINE" convert "$img" /lost+found --to extents >"$T/out" 2>&1; rc=$?
check "convert is refused the same way" sh -c "[ $rc = 8 ] && grep -q 'holds the write lock' '$T/out'"
flock "$img" "$E4INLINE" inspect "$img" / >/dev/null 2>&1; rc=$?
check "a reader is not refused" [ $rc = 0 ]

# A block device: written through, and locked the same way.
if [ "$(id -u)" = 0 ] && command -v losetup >/dev/null && [ -e /dev/loop-control ]; then
    mkimg "$T/dev.img" 8M
    dev=$(losetup -f --show "$T/dev.img") && on_exit "losetup -d '$dev'"
    "$E4INLINE" create "$dev" /viadev --size 20 >/dev/null 2>&1; rc=$?
    check "a create through a loop device exits 0" [ $rc = 0 ]
    flock "$dev" "$E4INLINE" create "$dev" /held --size 3 >"$T/out" 2>&1; rc=$?
    check "a create on a locked device is refused with exit 8" sh -c "[ $rc = 8 ] && grep -q 'holds the write lock' '$T/out'"
    flock "$T/dev.img" "$E4INLINE" create "$dev" /held --size 3 >"$T/out" 2>&1; rc=$?
    check "a create on a loop device whose backing file is locked is refused" \
        sh -c "[ $rc = 8 ] && grep -q 'holds the write lock' '$T/out'"
    "$E4INLINE" create "$T/dev.img" /viafile --size 20 >/dev/null 2>&1; rc=$?
    check "a create on the backing file of an unused loop device exits 0" [ $rc = 0 ]
    check "the device's filesystem is clean" fsck_clean "$dev"
else
    skip "a create through a loop device" "needs root and loop devices"
fi

# writer PREFIX: 15 creates into /d, each retried while the lock refuses it;
# any other failure is written to $T/bad.
writer() {
    i=0
    while [ $i -lt 15 ]; do
        i=$((i + 1)); tries=0
        while :; do
            "$E4INLINE" create "$img" "/d/$1$i" --size 20 >"$T/w$1" 2>&1; rc=$?
            [ $rc = 0 ] && break
            if [ $rc = 8 ] && grep -q "holds the write lock" "$T/w$1"; then
                echo x >>"$T/refused"
                tries=$((tries + 1)); [ $tries -lt 2000 ] && continue
            fi
            echo "/d/$1$i exit $rc: $(cat "$T/w$1")" >>"$T/bad"; break
        done
    done
}

rounds=40 bad_rounds=0 refusals=0
: >"$T/bad"; : >"$T/refused"
r=0
while [ $r -lt $rounds ]; do
    r=$((r + 1))
    mkimg "$img" 8M
    "$E4INLINE" create "$img" /d --dir >/dev/null
    writer a & pa=$!
    writer b & pb=$!
    wait $pa; wait $pb
    n=$(debugfs -R "ls -p /d" "$img" 2>/dev/null | grep -c '^/[0-9]*/[0-9]*/[0-9]*/[0-9]*/[ab][0-9]*/')
    if [ "$n" != 30 ] || ! e2fsck -fn "$img" >/dev/null 2>&1; then
        bad_rounds=$((bad_rounds + 1)); diag "round $r: $n of 30 entries, e2fsck exit $(e2fsck -fn "$img" >/dev/null 2>&1; echo $?)"
    fi
done
diag "$rounds rounds of 30 creates: $(wc -l <"$T/refused") refusals by the lock (each retried)"
check "every create exited 0 or was refused by the lock" [ ! -s "$T/bad" ]
[ -s "$T/bad" ] && diag "$(head -5 "$T/bad")"
check "all $rounds rounds: e2fsck clean and all 30 entries present" [ $bad_rounds = 0 ]
done_testing
