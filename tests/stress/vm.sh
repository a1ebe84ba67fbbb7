#!/bin/sh
# e4inline-vm with Debian 12's cloud kernel (a linux-image package): a safe workload
# runs to the end in the guest and its report comes back; the image it leaves holds
# what the report says, and a report the disk disagrees with is the verdict
# mismatch; a panic and a hang are verdicts of their own. Eight short TCG boots.
# No assertion depends on how fast the machine is: the boot has an allowance of its
# own (--boot-timeout, generous), and a command's --timeout starts with the command.
. "$E4I_SRCDIR/tests/lib.sh"
. "$E4I_SRCDIR/tests/stress/common.sh"
vm=$E4I_SRCDIR/misc/e4inline-vm

command -v qemu-system-x86_64 >/dev/null || skip_all "qemu-system-x86_64 not installed (qemu-system-x86)"
command -v cpio >/dev/null || skip_all "cpio not installed"
command -v jq >/dev/null || skip_all "jq not installed"
[ -x /bin/busybox ] || skip_all "busybox-static not installed"
pkg=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[^ ]*\).*/\1/p' | head -1)
[ -n "$pkg" ] || skip_all "apt cannot resolve linux-image-cloud-amd64 (no Debian 12 sources)"
# Fetch (or find in the cache) the kernel once, outside the timed runs.
vm() { "$vm" --boot-timeout 900 --accel tcg "$@"; }
vm --timeout 120 -o "$T/warm" -- true >"$T/warm.out" 2>&1
rc=$?
if [ $rc -eq 8 ] && ! grep -q 'E4I-VM: kernel' "$T/warm/console.log" 2>/dev/null; then
    diag "$(cat "$T/warm.out")"
    skip_all "the kernel package $pkg cannot be had or booted here"
fi
check "the guest boots and runs a command (exit 0)" [ $rc -eq 0 ]
check "the console log shows the kernel came up" grep -q "E4I-VM: kernel ${pkg#linux-image-} up" "$T/warm/console.log"
check "verdict.json names the kernel from the package" grep -q "\"kernel\": \"${pkg#linux-image-}\"" "$T/warm/verdict.json"
check "verdict.json says how long the boot took" grep -qE '"boot_seconds": [0-9]+' "$T/warm/verdict.json"

# A safe workload, bounded by iterations, with the report as JSON.
vm --timeout 150 --json -o "$T/run" -- e4inline stress /mnt --workload truncate-down-up --iterations 10 --json >"$T/run.json" 2>"$T/run.err"
rc=$?
check "stress in the guest: exit 0" [ $rc -eq 0 ]
check "VM verdict completed" grep -q '^  "verdict": "completed"' "$T/run.json"
check "the guest's report came back inside verdict.json" grep -q '^  "report": {' "$T/run.json"
check "the guest's report says verdict ok" grep -q '^  "verdict": "ok"' "$T/run/stdout"
check "the report is the guest's stress report" grep -q '"workload": "truncate-down-up"' "$T/run/stdout"
check "the guest's kernel log came back" [ -s "$T/run/dmesg" ]
check "the image left behind is fsck-clean" fsck_clean "$T/run/image"
check "the image holds what the guest's workload wrote" image_matches_report "$T/run/image" "$T/run/stdout"
check "e4inline-vm checked the files on the unmounted image itself" \
    [ "$(jq -c '[.image_check.files > 0, .image_check.mismatches]' "$T/run.json")" = '[true,[]]' ]

# A report that the disk disagrees with: the guest writes a file and prints a
# hand-made report whose cksum is that of other bytes.
vm --timeout 60 --json -o "$T/mm" -- sh -c 'printf "on disk" >f; sync
    echo "{\"verdict\": \"ok\", \"files\": [{\"file\": \"f\", \"size\": 9, \"cksum\": 12345}]}"' >"$T/mm.json" 2>/dev/null
rc=$?
check "a file that differs on the image: exit 4" [ $rc -eq 4 ]
check "and the verdict mismatch" [ "$(jq -r .verdict "$T/mm.json")" = mismatch ]
check "the image check names the file with both cksums" \
    [ "$(jq -r '.image_check.mismatches[0] | [.file, .expected, .got] | join("|")' "$T/mm.json")" = "f|12345 9|$(printf 'on disk' | cksum)" ]

# --craft fill: block allocation fails from the first write in the guest, made by
# e4inline craft on the host before boot. Shape D (append, then a fallocate that must
# fail) runs in the guest only; its ENOSPCs are the expected errors it counts.
vm --timeout 120 --craft fill --json -o "$T/craft" -- sh -c 'df -k /mnt >&2
    e4inline stress /mnt --workload append-fallocate-enospc --iterations 3 --json' >"$T/craft.json" 2>/dev/null
rc=$?
check "--craft fill: the guest ran the workload (exit 0)" [ $rc -eq 0 ]
check "--craft fill: verdict.json names the craft" [ "$(jq -r '.craft.kind + " " + (.craft.result | test("0 blocks left free") | tostring)' "$T/craft.json")" = "fill true" ]
check "--craft fill: the guest saw no free block" awk '$NF == "/mnt" && $4 == 0 { found = 1 } END { exit !found }' "$T/craft/stderr"
errs=$(report_field "$T/craft/stdout" expected_errors)
check "--craft fill: the workload's allocations failed (${errs:-no} expected errors)" [ "${errs:-0}" -gt 0 ]
check "--craft fill: the guest's report says verdict ok" grep -q '^  "verdict": "ok"' "$T/craft/stdout"
check "--craft fill: the image left behind is fsck-clean" fsck_clean "$T/craft/image"

# A dangerous workload is allowed in the guest without --in-vm (the marker), which
# we show without running one: the refusal test inverted, on a workload that never
# starts because the mountpoint is not ext4.
vm --timeout 120 -o "$T/marker" -- e4inline stress /tmp --workload truncate-sendfile --iterations 1 >/dev/null 2>&1
if grep -q 'can crash the kernel' "$T/marker/stderr"; then not_ok "in the guest the refusal is not given"; else ok "in the guest the refusal is not given"; fi
check "in the guest the workload got as far as the filesystem check" grep -q 'not an ext4 filesystem' "$T/marker/stderr"

# The kernel-log scanner end to end: lines written to the guest's /dev/kmsg while a
# workload runs; the one naming the workload's device counts, the other does not.
vm --timeout 120 -o "$T/kmsg" -- sh -c 'e4inline stress /mnt --workload truncate-down-up --duration 4 --json &
    sleep 2
    echo "EXT4-fs error (device loop9): injected for another device" >/dev/kmsg
    echo "EXT4-fs error (device vda): injected by the test" >/dev/kmsg
    wait $!' >/dev/null 2>&1
rc=$?
check "a kernel-log finding exits 4" [ $rc -eq 4 ]
check "the report's verdict is kernel-log" grep -q '^  "verdict": "kernel-log"' "$T/kmsg/stdout"
check "the finding on the workload's device is reported" grep -q '"line": "EXT4-fs error (device vda): injected by the test"' "$T/kmsg/stdout"
if grep -q 'loop9' "$T/kmsg/stdout"; then not_ok "a finding on another device is ignored"; else ok "a finding on another device is ignored"; fi
check "the first failure is timed" grep -qE '^  "first_failure_seconds": [0-9]' "$T/kmsg/stdout"

# A kernel panic is a verdict with its excerpt: sysrq 'c' crashes the guest.
vm --timeout 120 -o "$T/panic" -- sh -c 'echo c >/proc/sysrq-trigger' >/dev/null 2>"$T/panic.err"
rc=$?
check "a panic exits 4" [ $rc -eq 4 ]
check "a panic is the verdict" grep -q '"verdict": "panic"' "$T/panic/verdict.json"
check "the panic's line is the log line" grep -q '"log_line": "Kernel panic - not syncing: sysrq triggered crash"' "$T/panic/verdict.json"
check "the excerpt quotes the panic" grep -q 'Kernel panic' "$T/panic.err"

# A hang is a verdict once the timeout, counted from the command's start, runs
# out; however long the boot took before it.
vm --timeout 25 -o "$T/hang" -- sleep 600 >/dev/null 2>&1
rc=$?
check "a hang exits 4" [ $rc -eq 4 ]
check "a hang is the verdict" grep -q '"verdict": "hang"' "$T/hang/verdict.json"
check "the hang was timed from the command's start" \
    [ "$(jq '.seconds - .boot_seconds >= 25' "$T/hang/verdict.json")" = true ]
done_testing
