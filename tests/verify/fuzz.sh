#!/bin/sh
# A short libFuzzer run (ASan + UBSan) of the inspect and verify paths over
# image bytes, seeded with a small image and every craft kind applied to it.
# E4I_FUZZ_SECONDS sets the length (default 60; 0 skips). Longer runs: fuzz/README.
. "$E4I_SRCDIR/tests/lib.sh"

seconds=${E4I_FUZZ_SECONDS:-60}
[ "$seconds" -gt 0 ] 2>/dev/null || skip_all "E4I_FUZZ_SECONDS=$seconds"
fuzzer=$E4I_BUILDDIR/fuzz/verify-fuzz
make -s -C "$E4I_BUILDDIR" fuzz/verify-fuzz >"$T/build.log" 2>&1 || {
    echo "Bail out! building the fuzz target failed"; sed 's/^/# /' "$T/build.log" | tail -20; exit 1; }
"$fuzzer" -help=1 >/dev/null 2>&1
[ $? = 77 ] && skip_all "clang++ with libFuzzer is not installed"

seeds=$T/seeds
mkdir -p "$T/src/d" "$seeds" "$T/corpus"
printf 'hi\n' >"$T/src/small"
pattern_file "$T/src/medium" 100
ln -s "/$(printf 'y%.0s' $(seq 79))" "$T/src/link"
printf 'x\n' >"$T/src/d/f"
base=$T/base.img
mke2fs -q -F -t ext4 -b 1024 -N 32 -O inline_data,^has_journal,^resize_inode -E root_owner=0:0 \
    -d "$T/src" "$base" 128K >/dev/null 2>&1 || { echo "Bail out! mke2fs failed"; exit 1; }
cp "$base" "$seeds/base"
crafted=0
for kind in $("$E4INLINE" craft --list | grep -v '^ '); do
    case $kind in
    xattr-overlap) t=/medium ;; dir-*) t=/d ;; symlink-*) t=/link ;; lost-found-inline) t=/lost+found ;;
    fill) t=/fill ;; bitmap-full) t=/ ;; *) t=/small ;;
    esac
    cp "$base" "$seeds/$kind"
    "$E4INLINE" craft "$seeds/$kind" "$t" "$kind" >/dev/null 2>&1 && crafted=$((crafted + 1))
done
check "seeded with $crafted crafted images" test "$crafted" -gt 20

# New inputs go to $T/corpus; crashes are kept in the build tree.
artifacts=$E4I_BUILDDIR/fuzz/artifacts/
mkdir -p "$artifacts"
"$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$artifacts" "$T/corpus" "$seeds" >"$T/fuzz.log" 2>&1
rc=$?
diag "$(grep -E '^(stat::number_of_executed_units|stat::new_units_added|#[0-9]+ *DONE)' "$T/fuzz.log")"
if [ $rc = 0 ]; then
    ok "no crash, leak, hang or undefined behaviour in ${seconds}s"
else
    not_ok "no crash, leak, hang or undefined behaviour in ${seconds}s (exit $rc)"
    grep -E 'ERROR|SUMMARY|artifact|runtime error' "$T/fuzz.log" | head -20 | sed 's/^/# /'
fi
done_testing
