#!/bin/sh
# e4inline's tests in the real fstests harness (kdave/xfstests, the pinned
# tarball in ../shared/fstests/ beside the source tree): unpack and build it
# once into the build tree, install the tests into a fresh copy with
# contrib/xfstests/install, and run ./check on loop devices. The two e4inline
# tests must pass; the four data-loss tests fail on the kernels measured so far
# (recorded as TODO: the kernel's bugs), each with a second assertion that the
# diff is exactly the lost data; with FSTYP=ext3 all six are [not run]. Also
# the installer's round trip and the hooks of common/e4inline-hooks.
#
# E4I_FSTESTS_TARBALL overrides where the tarball is looked for.
. "$E4I_SRCDIR/tests/lib.sh"

commit=63a29724
tarball=${E4I_FSTESTS_TARBALL:-$E4I_SRCDIR/../shared/fstests/xfstests-$commit.tar.gz}
[ -r "$tarball" ] || skip_all "no pinned fstests at $tarball (shared/fstests/ beside the source tree)"
require_root_loop
command -v bash >/dev/null || skip_all "needs bash"
# What building and running the harness needs; ./quickstart's deps install it.
for need in make:make gcc:gcc libtoolize:libtool autoconf:autoconf gawk:gawk \
    xfs_io:xfsprogs setfacl:acl attr:attr fio:fio bc:bc fuser:psmisc; do
    command -v "${need%%:*}" >/dev/null || skip_all "needs ${need%%:*} (Debian ${need#*:}, in ./quickstart's deps)"
done
for need in xfs/xfs.h:xfslibs-dev sys/acl.h:libacl1-dev attr/libattr.h:libattr1-dev \
    libaio.h:libaio-dev sys/capability.h:libcap-dev gdbm.h:libgdbm-dev uuid/uuid.h:uuid-dev; do
    [ -e "/usr/include/${need%%:*}" ] || skip_all "needs <${need%%:*}> (Debian ${need#*:}, in ./quickstart's deps)"
done

installer=$E4I_SRCDIR/contrib/xfstests/install
sum=$(sha256sum "$tarball" | cut -d' ' -f1)

# ------------------------------------------------------------ the build, cached
# Keyed on the tarball's checksum: a second run finds the stamp and does not
# rebuild. The sanitizer tree (build-asan) uses the plain tree's build when
# that one is current, the harness being the same.
cache=""
for c in "$E4I_BUILDDIR/fstests" "$E4I_SRCDIR/build/fstests"; do
    if [ "$(cat "$c/stamp" 2>/dev/null)" = "$sum" ] && [ -x "$c/xfstests/ltp/fsstress" ]; then
        cache=$c; break
    fi
done
if [ -n "$cache" ]; then
    ok "fstests $commit already built in $cache (stamp $sum)"
else
    cache=$E4I_BUILDDIR/fstests
    rm -rf "$cache" && mkdir -p "$cache"
    start=$(date +%s)
    if tar -xzf "$tarball" -C "$cache" && [ -x "$cache/xfstests/check" ] &&
       (cd "$cache/xfstests" && nice make -j"$(nproc 2>/dev/null || echo 2)") >"$cache/build.log" 2>&1 &&
       [ -x "$cache/xfstests/ltp/fsstress" ]; then
        echo "$sum" >"$cache/stamp"
        ok "fstests $commit unpacked and built in $cache"
        diag "fstests build: $(($(date +%s) - start)) s"
    else
        not_ok "fstests $commit unpacked and built in $cache"
        diag "$(tail -30 "$cache/build.log" 2>/dev/null)"
        done_testing
    fi
fi

# A fresh copy for every run: the cache is never installed into.
x=$T/xfstests
cp -a "$cache/xfstests" "$x" || { not_ok "copy the built harness"; done_testing; }

# ------------------------------------------------------------ the installer
"$installer" "$x" >"$T/names" 2>"$T/install.err"; rc=$?
check "install: exit 0" [ $rc -eq 0 ]
[ -s "$T/install.err" ] && diag "$(cat "$T/install.err")"
check "install: one line 'ext4/NNN NAME' per test, six tests" \
    [ "$(grep -cE '^ext4/[0-9]{3} (e4inline-verify|e4inline-crosscheck|inline-mmap-store|inline-trunc-reopen|inline-truncate-up|inline-enospc-convert)$' "$T/names")" = 6 ]
diag "installed as:" "$(cat "$T/names")"
# name NAME: the number the installer gave that test.
name() { awk -v t="$1" '$2 == t { print $1 }' "$T/names"; }
good=true
while read -r id t; do
    n=${id#ext4/}
    [ "$(head -1 "$x/tests/$id.out")" = "QA output created by $n" ] || good=false
    grep -qx "# FS QA Test $n (e4inline's $t)" "$x/tests/$id" || good=false
    grep -q "^$n " "$x/tests/ext4/group.list" || good=false
    cmp -s "$x/tests/$id" "$E4I_SRCDIR/contrib/xfstests/tests/ext4/$t" && good=false
done <"$T/names"
check "install: golden header, test header and group.list entry for each number" $good
check "install: common/e4inline and common/e4inline-hooks in place" \
    test -f "$x/common/e4inline" -a -f "$x/common/e4inline-hooks"
check "install: the numbers are the ones tools/nextid handed out (ext4/002 is free in $commit)" \
    [ "$(name e4inline-verify)" = ext4/002 ]

"$installer" "$x" >/dev/null 2>"$T/again.err"; rc=$?
check "install twice: refused with exit 1" [ $rc -eq 1 ]
check "install twice: says they are installed" grep -q 'already installed' "$T/again.err"

"$installer" --uninstall "$x" >"$T/removed" 2>&1; rc=$?
check "uninstall: exit 0" [ $rc -eq 0 ]
# Timestamps aside, the copy is the built harness again, group.list included.
if diff -r "$cache/xfstests" "$x" >"$T/diff" 2>&1; then
    ok "uninstall: the tree is exactly the built harness again"
else
    not_ok "uninstall: the tree is exactly the built harness again"; diag "$(head -20 "$T/diff")"
fi
"$installer" --uninstall "$x" >/dev/null 2>&1
check "uninstall twice: refused with exit 1" [ $? -eq 1 ]
"$installer" "$T/nowhere" >/dev/null 2>&1
check "install into a missing directory: exit 1" [ $? -eq 1 ]
"$installer" >/dev/null 2>&1
check "install without a directory: usage, exit 16" [ $? -eq 16 ]

"$installer" "$x" >"$T/names" 2>&1 || { not_ok "install for ./check"; diag "$(cat "$T/names")"; done_testing; }
verify=$(name e4inline-verify) cross=$(name e4inline-crosscheck)
mmap=$(name inline-mmap-store) trunc=$(name inline-trunc-reopen)
up=$(name inline-truncate-up) nospc=$(name inline-enospc-convert)
all="$verify $cross $mmap $trunc $up $nospc"

# ------------------------------------------------------------ devices
# Sparse images in the build tree; _require_scratch_ext4_feature makes a
# 512 MiB filesystem on SCRATCH_DEV, so both are 600 MiB.
img=$(mktemp -d "$E4I_BUILDDIR/fstests-run.XXXXXX") || { not_ok "image directory"; done_testing; }
on_exit "rm -rf '$img'"
truncate -s 600M "$img/test.img" "$img/scratch.img"
# attach IMAGE: sets dev (not in a subshell, so the detach is registered here).
attach() {
    dev=$(losetup -f --show "$1") || return 1
    on_exit "losetup -d $dev"
}
attach "$img/test.img" && tdev=$dev && attach "$img/scratch.img" && sdev=$dev ||
    skip_all "cannot attach loop devices"
mkdir -p "$T/test" "$T/scratch"
# Unmount whatever ./check left mounted, also when it was killed.
on_exit "umount '$T/test'; umount '$T/scratch'"
config() {
    cat <<EOF
export FSTYP=$1
export TEST_DEV=$tdev
export TEST_DIR=$T/test
export SCRATCH_DEV=$sdev
export SCRATCH_MNT=$T/scratch
export E4INLINE_PROG=$E4INLINE
EOF
}
config ext4 >"$x/local.config"
mke2fs -q -F -t ext4 -O inline_data "$tdev"

# run_check LOG TEST...: ./check with a generous bound (a busy machine).
run_check() {
    log=$1; shift
    (cd "$x" && timeout 1800 ./check "$@") >"$log" 2>&1
}
# summary LOG WORD: the tests a summary line ("Ran:", "Failures:", "Not run:") lists.
summary() { sed -n "s/^$2: //p" "$1"; }
listed() { summary "$1" "$2" | tr ' ' '\n' | grep -qx "$3"; }

# ------------------------------------------------------------ ./check on ext4
start=$(date +%s)
run_check "$T/ext4.log" $all; rc=$?
diag "./check (ext4) took $(($(date +%s) - start)) s, exit $rc, on $(uname -r):" "$(grep -v '^    ' "$T/ext4.log")"
check "ext4: ./check ran all six" [ "$(summary "$T/ext4.log" Ran)" = "$all" ]
for t in "$verify:e2fsck and verify agree on a crafted image" "$cross:writers, then crosscheck"; do
    id=${t%%:*}
    if listed "$T/ext4.log" Ran "$id" && ! listed "$T/ext4.log" Failures "$id" &&
       ! listed "$T/ext4.log" "Not run" "$id"; then
        ok "ext4: $id (${t#*:}) passes"
    else
        not_ok "ext4: $id (${t#*:}) passes"
        diag "$(cat "$x/results/$id.out.bad" "$x/results/$id.notrun" 2>/dev/null | head -30)"
    fi
done

# lost ID NAME WHAT: a data-loss test. Passing is what a fixed kernel does;
# failing is this kernel's bug (TODO), and then the output must be the golden
# one with exactly the lost bytes in it (expected/NAME.lost), not anything else.
lost() {
    id=$1 t=$2 what=$3
    bad=$x/results/$id.out.bad
    if listed "$T/ext4.log" Ran "$id" && ! listed "$T/ext4.log" Failures "$id" &&
       ! listed "$T/ext4.log" "Not run" "$id"; then
        ok "ext4: $id ($t) passes: this kernel keeps $what"
        return
    fi
    tap_n=$((tap_n + 1))
    echo "not ok $tap_n - ext4: $id ($t) passes # TODO this kernel ($(uname -r)) loses $what"
    [ -f "$bad" ] && diag "$(diff -u "$x/tests/$id.out" "$bad")"
    if listed "$T/ext4.log" Failures "$id" && grep -q "^$id .*- output mismatch" "$T/ext4.log" &&
       [ -f "$bad" ] && tail -n +2 "$bad" | cmp -s - "$E4I_SRCDIR/tests/fstests/expected/$t.lost"; then
        ok "ext4: $id fails by the data loss alone (output is expected/$t.lost)"
    else
        not_ok "ext4: $id fails by the data loss alone (output is expected/$t.lost)"
    fi
}
lost "$mmap" inline-mmap-store "a store through a shared mapping into an inline file"
lost "$trunc" inline-trunc-reopen "the bytes written after an O_TRUNC reopen (zeros instead)"
lost "$up" inline-truncate-up "the bytes written after a truncate up of an inline file"
lost "$nospc" inline-enospc-convert "an inline file's bytes when a write past its capacity fails with ENOSPC"
check "ext4: nothing of the scratch device left mounted after ./check" sh -c "! findmnt -rn -S '$sdev' >/dev/null"

# ------------------------------------------------------------ ./check on ext3
config ext3 >"$x/ext3.config"
mke2fs -q -F -t ext3 "$tdev"
HOST_OPTIONS=$x/ext3.config run_check "$T/ext3.log" $all
notrun=0
for id in $all; do
    grep -q "^$id .*\[not run\] not suitable for this filesystem type: ext3" "$T/ext3.log" && notrun=$((notrun + 1))
done
check "ext3: all six are [not run] (not suitable for ext3)" [ $notrun = 6 ]
check "ext3: the summary lists all six as not run" [ "$(summary "$T/ext3.log" "Not run")" = "$all" ]
[ $notrun = 6 ] || diag "$(cat "$T/ext3.log")"

# ------------------------------------------------------------ the hooks
# A stock test (generic/393, small truncations of inline data) with
# common/e4inline-hooks sourced from the config: crosscheck before the
# harness' unmount and verify after its e2fsck, reports in the .full file.
mke2fs -q -F -t ext4 -O inline_data "$tdev"
{ config ext4; echo 'export MKFS_OPTIONS="-O inline_data"'; echo '. ./common/e4inline-hooks'; } >"$x/hooks.config"
HOST_OPTIONS=$x/hooks.config run_check "$T/hooks.log" generic/393
check "hooks: generic/393 passes with e4inline's checks after it" grep -qx 'Passed all 1 tests' "$T/hooks.log"
full=$x/results/generic/393.full
check "hooks: crosscheck ran on the scratch mount before the unmount" grep -q "^crosscheck $T/scratch on $sdev" "$full"
check "hooks: verify ran on the unmounted scratch device" grep -q "^$sdev: .* inodes in use" "$full"
[ -f "$full" ] && diag "$(sed -n '/^\*\*\* e4inline/,/^\*\*\* end/p' "$full")"

# The hooks must fail a test after which the page cache and the disk differ:
# a test of our own that ends with a lost mmap store still cached.
probe=$(cd "$x" && ./tools/nextid ext4)
cat >"$x/tests/$probe" <<'EOF'
#! /bin/bash
# FS QA Test (e4inline's suite: leaves a lost mmap store in the page cache)
. ./common/preamble
_begin_fstest auto quick
_exclude_fs ext3
_require_scratch
_scratch_mkfs_ext4 -O inline_data >> $seqres.full 2>&1
_scratch_mount
$XFS_IO_PROG -f -c "pwrite -S 0x41 0 10" $SCRATCH_MNT/f >> $seqres.full
$XFS_IO_PROG -c "mmap -w 0 10" -c "mwrite -S 0x42 0 5" -c "msync -s 0 10" -c fsync $SCRATCH_MNT/f
_exit 0
EOF
chmod 755 "$x/tests/$probe"
echo "QA output created by ${probe#ext4/}" >"$x/tests/$probe.out"
(cd "$x/tests/ext4" && ../../tools/mkgroupfile group.list)
HOST_OPTIONS=$x/hooks.config run_check "$T/probe.log" "$probe"
full=$x/results/$probe.full
if grep -q 'content mismatch' "$full" 2>/dev/null; then
    check "hooks: a test leaving a lost store behind fails the harness' check" \
        grep -q "_check_generic_filesystem: filesystem on $sdev is inconsistent" "$T/probe.log"
else
    skip "hooks: a test leaving a lost store behind fails the harness' check" \
        "this kernel ($(uname -r)) keeps the store, nothing to catch"
fi
diag "$(grep -v '^    ' "$T/probe.log")"
done_testing
