#!/bin/sh
# Workloads that can crash the kernel refuse to run outside the VM: exit 1 with the
# reason, before touching the filesystem. Needs no root: the refusal comes first.
. "$E4I_SRCDIR/tests/lib.sh"
grep -qw 'e4inline.vm=1' /proc/cmdline && skip_all "running inside e4inline-vm, where these are allowed"

mkdir -p "$T/mnt"
for w in mkwrite-vs-write fallocate-vs-write append-fallocate-enospc truncate-huge-offset truncate-sendfile; do
    "$E4INLINE" stress "$T/mnt" --workload "$w" --iterations 1 >"$T/out" 2>"$T/err"
    rc=$?
    check "$w: refused with exit 1" [ "$rc" -eq 1 ]
    check "$w: the message says why and points at e4inline-vm" grep -q "can crash the kernel.*e4inline-vm" "$T/err"
    check "$w: nothing written to the directory" [ ! -e "$T/mnt/e4inline-stress" ]
done

"$E4INLINE" stress --list >"$T/list"
for w in mkwrite-vs-write fallocate-vs-write append-fallocate-enospc truncate-huge-offset truncate-sendfile; do
    check "--list marks $w vm-only" grep -q "^$w .* vm-only " "$T/list"
done
for w in mmap-then-fsync xattr-vs-write append-across-capacity mmap-convert truncate-down-up dir-grow-shrink; do
    check "--list marks $w safe" grep -q "^$w .* safe " "$T/list"
done

"$E4INLINE" stress "$T/mnt" --workload no-such-thing >/dev/null 2>"$T/err"
check "an unknown workload is a usage error (16)" [ $? -eq 16 ]
check "and points at --list" grep -q "unknown workload 'no-such-thing' (stress --list shows them)" "$T/err"
"$E4INLINE" stress "$T/mnt" --workload mmap-convert --duration 1 --iterations 1 >/dev/null 2>&1
check "--duration with --iterations is a usage error (16)" [ $? -eq 16 ]
"$E4INLINE" stress "$T/mnt" >/dev/null 2>&1
check "a missing --workload is a usage error (16)" [ $? -eq 16 ]
done_testing
