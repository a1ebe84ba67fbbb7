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
"$vm" --help >"$T/out"
check "--help exits 0 and shows the synopsis" grep -q '^usage: e4inline-vm \[options\] -- COMMAND' "$T/out"
E4INLINE_VM_CACHE=$T/cache "$vm" --kernel "$T/no-such.deb" --timeout 5 -- true >/dev/null 2>"$T/err"
rc=$?
check "a kernel that cannot be had is an operational error (8)" [ $rc -eq 8 ]
done_testing
