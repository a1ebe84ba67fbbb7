#!/bin/sh
# The C API, from a C program: open, inspect, read, JSON, errors.
. "$E4I_SRCDIR/tests/lib.sh"
prog=$E4I_BUILDDIR/tests/unit/capi-smoke
[ -x "$prog" ] || skip_all "capi-smoke not built"
mkdir -p "$T/src"; pattern_file "$T/src/f" 61
mke2fs -q -F -t ext4 -O inline_data -d "$T/src" "$T/a.img" 4M >/dev/null 2>&1
"$prog" "$T/a.img" /f >"$T/out" 2>"$T/data"
check "C API reports inline size and capacity" grep -qx "ino=12 inline=1 size=61 capacity=128 inline_size=61 storage=inline" "$T/out"
check "C API reads exactly the file's bytes" cmp -s "$T/data" "$T/src/f"
check "C API returns the inspect JSON" grep -qx "json=has-capacity" "$T/out"
"$prog" "$T/a.img" /missing >/dev/null 2>"$T/err"; rc=$?
check "C API: a missing path fails with 8 and a message" [ $rc = 8 ] && grep -q "no such file" "$T/err"
"$prog" "$T/nothere.img" /f >/dev/null 2>&1
check "C API: a missing image fails with 8" [ $? = 8 ]
done_testing
