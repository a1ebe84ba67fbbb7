#!/bin/sh
# mmap-store, otrunc-zeros, truncate-up-pwrite and enospc-convert in one e4inline-vm guest with
# Debian 12's cloud kernel: each exit is the finding (1, recorded as TODO), and the
# image the guest leaves confirms each loss with e4inline cat. One TCG boot, about 25 s.
. "$E4I_SRCDIR/tests/lib.sh"
. "$E4I_SRCDIR/tests/reproducers/common.sh"
vm=$E4I_SRCDIR/misc/e4inline-vm
names="mmap-store otrunc-zeros truncate-up-pwrite enospc-convert"

command -v qemu-system-x86_64 >/dev/null || skip_all "qemu-system-x86_64 not installed (qemu-system-x86)"
command -v cpio >/dev/null || skip_all "cpio not installed"
[ -x /bin/busybox ] || skip_all "busybox-static not installed"
for p in $names; do
    [ -x "$R/$p/$p" ] || skip_all "$R/$p/$p not built (run make)"
done
pkg=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[^ ]*\).*/\1/p' | head -1)
[ -n "$pkg" ] || skip_all "apt cannot resolve linux-image-cloud-amd64 (no Debian 12 sources)"

"$vm" --timeout 240 -o "$T/vm" --add "$R/mmap-store/mmap-store" --add "$R/otrunc-zeros/otrunc-zeros" \
    --add "$R/truncate-up-pwrite/truncate-up-pwrite" --add "$R/enospc-convert/enospc-convert" -- \
    sh -c 'for p in '"$names"'; do $p /mnt >/tmp/$p.out 2>&1; echo "$p exit $?"; cat /tmp/$p.out; done' \
    >"$T/vm.out" 2>"$T/vm.err"
rc=$?
if [ $rc -eq 8 ] && ! grep -q 'E4I-VM: kernel' "$T/vm/console.log" 2>/dev/null; then
    diag "$(cat "$T/vm.err")"
    skip_all "the kernel package $pkg cannot be had or booted here"
fi
diag "$(cat "$T/vm.out")"
check "the guest ran the four to the end (e4inline-vm exit 0, got $rc)" [ $rc -eq 0 ]
kver=$(tr -d '\r' <"$T/vm/console.log" | sed -n 's/^E4I-VM: kernel \(.*\) up$/\1/p' | head -1)
for p in $names; do
    prc=$(sed -n "s/^$p exit \([0-9]*\)\$/\1/p" "$T/vm.out")
    sed -n "/^$p exit /,/^$p: \(BUG\|ok\)/p" "$T/vm.out" | sed 1d >"$T/$p.out"
    f=$(file_of "$T/$p.out" /mnt)
    expected_bytes "$p" "$T/$p.want"
    "$E4INLINE" cat "$T/vm/image" "$f" >"$T/$p.disk" 2>/dev/null
    verdict "$p" "${prc:-none}" "${kver:-unknown}" "$f" "$T/$p.want" "$T/$p.disk" "in the guest"
done
check "the image the guest left is fsck-clean" fsck_clean "$T/vm/image"
done_testing
