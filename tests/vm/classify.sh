#!/bin/sh
# The VM verdict from recorded console logs (tests/vm/logs/, each from a real guest
# of e4inline-vm on this machine), without qemu: `e4inline-vm --classify LOG`.
# A crash before the command started is boot-failed, never kernel-bug; a BUG
# behind a WARNING is kernel-bug and names the BUG's FILE:LINE, while the first
# meaningful line is the WARNING; the log line is never the "cut here" banner.
. "$E4I_SRCDIR/tests/lib.sh"
command -v jq >/dev/null || skip_all "jq not installed"
vm=$E4I_SRCDIR/misc/e4inline-vm
logs=$E4I_SRCDIR/tests/vm/logs

# expect NAME LOG KILLED FIELD=VALUE...: classify LOG and compare each field
# (jq -r of it; "null" for a missing one).
expect() {
    name=$1 log=$2 killed=$3; shift 3
    if ! "$vm" --classify "$logs/$log" ${killed:+--killed "$killed"} >"$T/c.json" 2>"$T/c.err"; then
        not_ok "$name: --classify exits 0"; diag "$(cat "$T/c.err")"; return
    fi
    bad=""
    for fv in "$@"; do
        got=$(jq -r ".${fv%%=*}" "$T/c.json")
        [ "$got" = "${fv#*=}" ] || bad="$bad ${fv%%=*}='$got' (want '${fv#*=}')"
    done
    if [ -z "$bad" ]; then ok "$name"; else not_ok "$name"; diag "$bad"; fi
}

expect "clean run on 6.1.0-57 (linux-image): completed, no log line" clean-6.1.0-57.console "" \
    verdict=completed console_kernel=6.1.0-57-cloud-amd64 log_line=null failure_seconds=null
expect "clean run on 7.3.4 (split packages): completed" clean-7.3.4.console "" \
    verdict=completed console_kernel=7.3.4+deb13-cloud-amd64
expect "a crash while booting is boot-failed, with the BUG's file:line" boot-crash-6.12.95-qemu64.console "" \
    verdict=boot-failed log_where=lib/list_debug.c:32 "log_line=kernel BUG at lib/list_debug.c:32!" console_kernel=null
expect "a boot crash's first meaningful line is the WARNING before it" boot-crash-6.12.95-qemu64.console "" \
    "first_log_line=WARNING: CPU: 1 PID: 1 at arch/x86/kernel/traps.c:1120 exc_debug_kernel+0xca/0x160"
expect "a BUG behind a WARNING is kernel-bug and names the BUG" bug-behind-warning-6.12.95.console "" \
    verdict=kernel-bug log_where=fs/ext4/inline.c:791
expect "... with the WARNING as the first meaningful line, timed from the command's start" bug-behind-warning-6.12.95.console "" \
    "first_log_line=WARNING: CPU: 0 PID: 1283 at fs/ext4/inode.c:3572 ext4_dirty_folio+0x23/0x40" failure_seconds=80.2
expect "a panic before init (no FILE:LINE) is boot-failed with the panic's line" boot-panic-timer-7.2.13.console "" \
    verdict=boot-failed log_where=null "log_line=Kernel panic - not syncing: IO-APIC + timer doesn't work!  Boot with apic=debug and send a report.  Then try booting with the 'noapic' option."
expect "a WARNING in a completed run is its log line (not 'cut here')" warning-6.12.95-mkwrite.console "" \
    verdict=completed log_where=fs/ext4/inode.c:3572 failure_seconds=24 \
    "log_line=WARNING: CPU: 0 PID: 919 at fs/ext4/inode.c:3572 ext4_dirty_folio+0x23/0x40"
expect "a soft lockup of a starved vCPU while booting is not a kernel bug" soft-lockup-boot-6.12.95.console "" \
    verdict=completed log_line=null first_log_line=null
expect "a guest killed after the command started is a hang" hang-6.1.0-57.console command \
    verdict=hang console_kernel=6.1.0-57-cloud-amd64
for f in "$logs"/*.console; do
    "$vm" --classify "$f" | jq -r '.log_line, .first_log_line' | grep -q 'cut here' && { not_ok "no log line is a 'cut here' banner ($f)"; continue; }
done
ok "no log line is a 'cut here' banner"

# A guest killed before the command started never reached it: boot-timeout. The
# console cut where a slow boot would be cut.
sed -n '1,/E4I-VM: kernel/p' "$logs/clean-6.1.0-57.console" | grep -v E4I-VM >"$T/slow.console"
"$vm" --classify "$T/slow.console" --killed boot >"$T/c.json"
check "a guest killed during its boot is boot-timeout" [ "$(jq -r .verdict "$T/c.json")" = boot-timeout ]
"$vm" --classify "$T/slow.console" >"$T/c.json"
check "a guest that stopped during its boot is boot-failed" [ "$(jq -r .verdict "$T/c.json")" = boot-failed ]
"$vm" --classify "$T/none.console" >/dev/null 2>&1
check "a console log that does not exist is an operational error (8)" [ $? -eq 8 ]
"$vm" --classify "$T/slow.console" --killed later >/dev/null 2>&1
check "--killed takes boot or command only (16)" [ $? -eq 16 ]

# The verdict is e4inline's: `e4inline stress --classify` prints what the script does.
"$E4INLINE" stress --classify "$logs/bug-behind-warning-6.12.95.console" >"$T/e4i.json"
check "e4inline stress --classify exits 0" [ $? -eq 0 ]
"$vm" --classify "$logs/bug-behind-warning-6.12.95.console" >"$T/vm.json"
check "e4inline-vm --classify prints e4inline stress --classify's verdict" cmp -s "$T/e4i.json" "$T/vm.json"
"$E4INLINE" stress --classify "$logs/hang-6.1.0-57.console" --killed command >"$T/e4i.json"
check "e4inline stress --classify --killed command: hang" [ "$(jq -r .verdict "$T/e4i.json")" = hang ]
"$E4INLINE" stress --killed boot /mnt >/dev/null 2>"$T/err"
check "--killed without --classify is a usage error (16)" [ $? -eq 16 ]
"$E4INLINE" stress --classify "$logs/clean-7.3.4.console" /mnt >/dev/null 2>"$T/err"
check "--classify takes no mountpoint (16)" [ $? -eq 16 ]
expect_error "a console log that cannot be opened: 8, one line naming it" 8 "none.console" \
    "$E4INLINE" stress --classify "$T/none.console"
done_testing
