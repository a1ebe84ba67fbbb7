#!/bin/sh
# One registry of workloads: every name that --list shows is in --help, and every one
# either runs (one iteration on a loop image, a report naming it) or, when it can
# crash the kernel, is refused with exit 1; none is unknown or crashes the tool.
. "$E4I_SRCDIR/tests/lib.sh"
. "$E4I_SRCDIR/tests/stress/common.sh"
require_root_loop

"$E4INLINE" stress --list >"$T/list"
check "--list exits 0" [ $? -eq 0 ]
"$E4INLINE" stress --help >"$T/help"
check "--help exits 0" [ $? -eq 0 ]
sed -n '/^Workloads/,$p' "$T/help" | sed 1d >"$T/help-table"
check "--help lists the same workloads as --list" same_bytes "$T/list" "$T/help-table"
check "--list has 11 workloads" [ "$(wc -l <"$T/list")" -eq 11 ]

in_vm=no
grep -qw 'e4inline.vm=1' /proc/cmdline && in_vm=yes
mkimg "$T/r.img" 32M
mount_loop "$T/r.img" "$T/r" || skip_all "cannot mount"
while read -r wl shape class summary; do
    case $class in
    vm-only)
        if [ "$in_vm" = yes ]; then
            skip "$wl: refused outside the VM" "running inside e4inline-vm"
            continue
        fi
        "$E4INLINE" stress "$T/r" --workload "$wl" --iterations 1 >/dev/null 2>"$T/err"
        rc=$?
        check "$wl (vm-only): refused with exit 1 (got $rc)" [ "$rc" -eq 1 ]
        check "$wl (vm-only): the refusal says why" grep -q 'can crash the kernel' "$T/err"
        ;;
    safe)
        "$E4INLINE" stress "$T/r" --workload "$wl" --iterations 1 --json >"$T/$wl.json" 2>"$T/err"
        rc=$?
        check "$wl (safe): runs to a verdict (exit 0 or 4, got $rc)" [ "$rc" -eq 0 -o "$rc" -eq 4 ]
        check "$wl (safe): the report names it" [ "$(report_field "$T/$wl.json" workload)" = "$wl" ]
        check "$wl (safe): one iteration" [ "$(report_field "$T/$wl.json" iterations)" = 1 ]
        ;;
    *) not_ok "$wl: --list says '$class', neither safe nor vm-only" ;;
    esac
done <"$T/list"
done_testing
