#!/bin/sh
# e4inline-vm's usage errors come before anything is downloaded or booted (exit 16).
. "$E4I_SRCDIR/tests/lib.sh"
vm=$E4I_SRCDIR/misc/e4inline-vm

"$vm" >/dev/null 2>"$T/err"
check "no command after -- is a usage error (16)" [ $? -eq 16 ]
check "and says so" grep -q 'no command given after --' "$T/err"
"$vm" --timeout soon -- true >/dev/null 2>"$T/err"
check "a timeout that is not seconds is a usage error (16)" [ $? -eq 16 ]
"$vm" --frobnicate -- true >/dev/null 2>"$T/err"
check "an unknown option is a usage error (16)" [ $? -eq 16 ]
check "and names the option" grep -q "unknown option '--frobnicate'" "$T/err"
"$vm" --craft no-such-kind -- true >/dev/null 2>"$T/err"
check "an unknown --craft kind is a usage error (16)" [ $? -eq 16 ]
check "and names the kinds it takes" grep -q "fill or bitmap-full" "$T/err"
"$vm" --help >"$T/out"
check "--help exits 0 and shows the synopsis" grep -q '^usage: e4inline-vm \[options\] -- COMMAND' "$T/out"
E4INLINE_VM_CACHE=$T/cache "$vm" --kernel "$T/no-such.deb" --timeout 5 -- true >/dev/null 2>"$T/err"
rc=$?
check "a kernel that cannot be had is an operational error (8)" [ $rc -eq 8 ]
"$vm" --image "$T/missing.img" -- true >/dev/null 2>"$T/err"
check "a missing image is an operational error (8)" [ $? -eq 8 ]
check "and is named" grep -q "no such image: $T/missing.img" "$T/err"

# An image mounted on this host must never be handed to a second kernel.
if [ "$(id -u)" = 0 ] && command -v losetup >/dev/null && [ -e /dev/loop-control ]; then
    mkimg "$T/busy.img" 8M
    if mount_loop "$T/busy.img" "$T/busy"; then
        "$vm" --image "$T/busy.img" -- true >/dev/null 2>"$T/err"
        check "an image loop-mounted here is refused (8)" [ $? -eq 8 ]
        check "and the message says why" grep -q 'attached to a loop device on this host' "$T/err"
        umount "$T/busy"
    else
        skip "an image loop-mounted here is refused" "cannot loop-mount"
    fi
else
    skip "an image loop-mounted here is refused" "needs root and loop devices"
fi
done_testing
