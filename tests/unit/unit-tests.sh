#!/bin/sh
# Runs the GoogleTest binary and speaks TAP: one line per test case.
bin="${E4I_BUILDDIR:-.}/tests/unit/unit-tests"
out=$(mktemp) || exit 99
trap 'rm -f "$out"' EXIT
"$bin" --gtest_color=no >"$out" 2>&1
status=$?
awk '
/^\[       OK \] / { n++; print "ok " n " - " $4; next }
/^\[  FAILED  \] .*\(/ { n++; print "not ok " n " - " $4; next }
/^\[  SKIPPED \] .*\(/ { n++; print "ok " n " - " $4 " # SKIP"; next }
{ print "# " $0 }
END { print "1.." n }
' "$out"
[ "$status" -eq 0 ] || grep -q "^\[  FAILED  \]" "$out" || echo "Bail out! unit-tests exited $status without a failed case"
exit 0
