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
"$vm" --accel hvf -- true >/dev/null 2>"$T/err"
check "an unknown --accel is a usage error (16)" [ $? -eq 16 ]
check "and names the accelerators it takes" grep -q "auto, tcg or kvm" "$T/err"
"$vm" --boot-timeout later -- true >/dev/null 2>"$T/err"
check "a boot timeout that is not seconds is a usage error (16)" [ $? -eq 16 ]
"$vm" --prepare -- true >/dev/null 2>"$T/err"
check "--prepare with a command is a usage error (16)" [ $? -eq 16 ]
"$vm" --kernel >/dev/null 2>"$T/err"
check "an option without its value is a usage error (16)" [ $? -eq 16 ]
check "and says which" grep -q -- "--kernel needs a value" "$T/err"
"$vm" --help >"$T/out"
check "--help exits 0 and shows the synopsis" grep -q '^usage: e4inline-vm \[options\] -- COMMAND' "$T/out"
check "--help shows the other modes" grep -q -- '--list-kernels \[--latest\]' "$T/out"
E4INLINE_VM_CACHE=$T/cache "$vm" --kernel "$T/no-such.deb" --timeout 5 -- true >/dev/null 2>"$T/err"
rc=$?
check "a kernel that cannot be had is an operational error (8)" [ $rc -eq 8 ]
printf 'not a kernel' >"$T/bzImage"
E4INLINE_VM_CACHE=$T/cache "$vm" --kernel "$T/bzImage" --modules "$T/no-such-dir" --prepare >/dev/null 2>"$T/err"
check "a --modules tree that does not exist is an operational error (8)" [ $? -eq 8 ]
check "and is named" grep -q "no such modules tree or package: $T/no-such-dir" "$T/err"
mkdir -p "$T/empty-mods"
E4INLINE_VM_CACHE=$T/cache "$vm" --kernel "$T/bzImage" --modules "$T/empty-mods" --prepare >/dev/null 2>"$T/err"
check "a --modules DIR without lib/modules/RELEASE is refused (8)" [ $? -eq 8 ]

# The cache of the older layout (KERNEL-VERSION/ and file-HASH/ under the root)
# is left as it is: the entries of this runner live in kernels/, debs/ and apt/.
mkdir -p "$T/cache/6.1.0-57-cloud-amd64" "$T/cache/file-0123456789abcdef"
echo old >"$T/cache/6.1.0-57-cloud-amd64/vmlinuz"
mkdir -p "$T/mods/lib/modules/9.9.9-test/kernel"
E4INLINE_VM_CACHE=$T/cache "$vm" --kernel "$T/bzImage" --modules "$T/mods" --prepare >"$T/out" 2>"$T/err"
check "a bzImage with a modules tree gets an entry of its own" grep -q "$T/cache/kernels/file_bzImage_[0-9a-f]\{16\}\$" "$T/out"
check "the old entries are untouched" sh -c "[ \"\$(cat '$T/cache/6.1.0-57-cloud-amd64/vmlinuz')\" = old ] && [ -d '$T/cache/file-0123456789abcdef' ]"
check "no temporary entry is left" [ -z "$(ls -A "$T/cache/kernels" | grep '^\.')" ]
# The e4inline next to the runner comes before PATH's: a stand-in sibling whose
# `cat` prints "sibling", and an image check that passes only with its output.
mkdir -p "$T/sbin"
ln -s "$vm" "$T/sbin/e4inline-vm"
printf '#!/bin/sh\necho sibling\n' >"$T/sbin/e4inline" && chmod +x "$T/sbin/e4inline"
set -- $(echo sibling | cksum)
printf '{"files": [{"file": "f", "size": %s, "cksum": %s}]}' "$2" "$1" >"$T/sib.json"
: >"$T/sib.img"
env -u E4INLINE PATH=/usr/bin:/bin "$T/sbin/e4inline-vm" --check-image "$T/sib.img" "$T/sib.json" >/dev/null 2>"$T/err"
check "the e4inline next to the runner is the one it uses" [ $? -eq 0 ]
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
