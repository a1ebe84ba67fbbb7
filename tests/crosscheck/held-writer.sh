#!/bin/sh
# A write(2) caught half done by crosscheck's reading: ext4 stamps ctime as
# the write starts and sets i_size as it ends, both under the inode lock.
# tests/crosscheck/held_writer.c stops a write in between (its source page
# is a userfaultfd page), then lets it finish while crosscheck waits on the
# file in its fence (lseek SEEK_DATA). The kernel's view must be taken after
# the write, not its size before and its bytes after: all equal, exit 0.
# (With the fence after the fstat, this reported "st_size 5, i_size 12".)
. "$E4I_SRCDIR/tests/lib.sh"
require_root_loop
held=$E4I_BUILDDIR/tests/crosscheck/held-writer
[ -x "$held" ] || skip_all "held-writer was not built"

img=$T/img M=$T/mnt
mkimg "$img" 16M
mount_loop "$img" "$M" || skip_all "cannot loop-mount an ext4 image"
printf 'hello' >"$M/victim"
sync -f "$M/."

"$held" "$M/victim" 7 "$T/ready" "$T/go" 2>"$T/held.err" &
hpid=$!
on_exit "touch '$T/go'; wait"
n=0
while [ ! -e "$T/ready" ] && kill -0 $hpid 2>/dev/null && [ $n -lt 600 ]; do sleep 0.1; n=$((n + 1)); done
if [ ! -e "$T/ready" ]; then
    wait $hpid; rc=$?
    [ $rc -eq 77 ] && skip_all "userfaultfd: $(cat "$T/held.err")"
    check "the write was held inside the kernel" false
    diag "$(cat "$T/held.err")"
    done_testing
fi
ok "a write of 7 bytes to /victim is held inside the kernel, ctime stamped, i_size not yet set"
# A later clock tick than the write's ctime, so the ctime alone would prove
# the file unchanged.
sleep 1.1

"$E4INLINE" crosscheck "$M" /victim >"$T/out" 2>&1 &
cpid=$!
# Wait until crosscheck sits in lseek(2) (syscall 8 on x86-64; the first
# field of /proc/PID/task/TID/syscall elsewhere too, with another number).
lseek_nr=8
case $(uname -m) in aarch64|riscv64) lseek_nr=62 ;; esac
in_lseek() {
    for s in /proc/$cpid/task/*/syscall; do
        read -r nr _ <"$s" 2>/dev/null && [ "$nr" = "$lseek_nr" ] && return 0
    done
    return 1
}
n=0
while ! in_lseek && kill -0 $cpid 2>/dev/null && [ $n -lt 600 ]; do sleep 0.1; n=$((n + 1)); done
check "crosscheck waits for the held write in its fence (lseek SEEK_DATA)" in_lseek
touch "$T/go"
wait $hpid; hrc=$?
check "the held write completed in full" [ $hrc -eq 0 ]
wait $cpid; rc=$?
check "crosscheck: all equal, exit 0 (no stale size against fresh bytes)" \
    sh -c "[ $rc -eq 0 ] && grep -q '^all equal$' '$T/out'"
[ $rc -eq 0 ] || diag "$(cat "$T/out")"
check "the kernel has all 12 bytes" sh -c "[ \"\$(cat '$M/victim')\" = helloABCDEFG ]"
done_testing
