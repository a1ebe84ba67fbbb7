#!/bin/sh
# Kernels of other suites: e4inline-vm --list-kernels reads a private apt state
# (the machine's archive URIs, five suites) in the cache; a 7.x kernel, split into
# linux-binary and linux-modules, boots and runs a standalone reproducer (a
# stand-in) through bench/race-matrix; the same kernel as a bare bzImage with a
# `make modules_install` tree boots too. Two TCG boots; skipped when qemu or the
# archive is not there.
. "$E4I_SRCDIR/tests/lib.sh"
vm=$E4I_SRCDIR/misc/e4inline-vm
command -v qemu-system-x86_64 >/dev/null || skip_all "qemu-system-x86_64 not installed (qemu-system-x86)"
command -v jq >/dev/null || skip_all "jq not installed"
[ -x /bin/busybox ] || skip_all "busybox-static not installed"
cache=${E4INLINE_VM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/e4inline-vm}

"$vm" --list-kernels >"$T/all" 2>"$T/err" || skip_all "no private apt lists (is the archive reachable?): $(tail -1 "$T/err")"
check "--list-kernels prints VERSION SUITE, one a line" \
    awk 'NF != 2 || $1 !~ /-cloud-amd64$/ { bad = 1 } END { exit bad || NR == 0 }' "$T/all"
for s in bookworm bookworm-backports trixie trixie-backports sid; do
    check "--list-kernels has kernels of $s" grep -q " $s\$" "$T/all"
done
"$vm" --list-kernels --latest >"$T/latest" 2>"$T/err"
check "--latest: one kernel per suite, the five suites in order" \
    [ "$(awk '{ print $2 }' "$T/latest" | tr '\n' ' ')" = "bookworm bookworm-backports trixie trixie-backports sid " ]
check "the private sources add the suites to the machine's archive" grep -q '^deb \[signed-by=[^]]*\] [a-z]*://[^ ]* trixie-backports main$' "$cache/apt/sources.list"
split=$(awk '$1 ~ /^7\./ { print $1; exit }' "$T/latest")
[ -n "$split" ] || { skip "a 7.x kernel boots" "no 7.x kernel in the archive's latest"; done_testing; }

# The split packaging, through the matrix, with a stand-in reproducer.
mkdir -p "$T/repros/mmap-store" && cp "$E4I_SRCDIR/tests/vm/repro-standin" "$T/repros/mmap-store/mmap-store"
E4I_REPRODUCERS=$T/repros E4INLINE_VM=$vm "$E4I_SRCDIR/bench/race-matrix" --kernels "$split" --workloads repro:mmap-store \
    --repeats 1 --timeout 120 --accel tcg --out "$T/m" >"$T/m.md" 2>"$T/m.err"
check "race-matrix exits 0" [ $? -eq 0 ]
d=$T/m/runs/$split/repro-mmap-store/r1
if ! grep -q "E4I-VM: kernel $split up" "$d/console.log" 2>/dev/null; then
    diag "$(tail -5 "$T/m.err")" "$(tail -5 "$d/vm.err" 2>/dev/null)"
fi
check "the split kernel $split booted and ran the command" grep -q "E4I-VM: kernel $split up" "$d/console.log"
check "verdict.json names both packages" \
    [ "$(jq -r '.kernel_source | test("^linux-binary-.* \\+ linux-modules-") | tostring' "$d/verdict.json")" = true ]
check "the stand-in reproducer ran in the guest as NAME /mnt, exit 1: reproduced" \
    [ "$(jq -r '.cells[0].verdicts | keys | join(",")' "$T/m/matrix.json")" = reproduced ]
check "its output came back" grep -q 'stand-in reproducer: the bug shows' "$d/stdout"
entry=$("$vm" --kernel "$split" --prepare 2>/dev/null | awk '{ print $2 }')
named_by_package() {
    case "$(basename "$1")" in "linux-binary-${split}_"*_[0-9a-f][0-9a-f][0-9a-f][0-9a-f]????????????) return 0 ;; esac
    diag "cache entry: $1"; return 1
}
check "the cache entry is named by package, version and hash" named_by_package "$entry"

# The same kernel as a developer's own build: bzImage plus a modules_install tree
# (virtio_blk is a module there, so the guest mounts /mnt only if the tree is used).
mods=$(ls "$cache"/debs/linux-modules-"$split"_*.deb 2>/dev/null | head -1)
if [ -n "$mods" ] && [ -f "$entry/vmlinuz" ]; then
    cp "$entry/vmlinuz" "$T/bzImage"
    dpkg-deb -x "$mods" "$T/modtree"
    "$vm" --kernel "$T/bzImage" --modules "$T/modtree" --boot-timeout 900 --timeout 60 --accel tcg --json -o "$T/own" -- \
        sh -c 'grep -c " /mnt " /proc/mounts' >"$T/own.json" 2>"$T/own.err"
    check "a bzImage with --modules DIR boots and mounts /mnt (exit 0)" [ $? -eq 0 ]
    check "its release is read from the bzImage" [ "$(jq -r .kernel "$T/own.json")" = "$split" ]
    check "its cache entry is keyed by the file's hash" \
        sh -c "ls -d '$cache'/kernels/file_bzImage_* | grep -q ." 
else
    skip "a bzImage with --modules DIR boots" "no linux-modules package of $split in the cache"
fi
done_testing
