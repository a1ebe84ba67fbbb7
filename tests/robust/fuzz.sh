#!/bin/sh
# Short libFuzzer runs (ASan + UBSan) of the four robustness targets: the
# inspect JSON of a raw inode, the create manifest, crosscheck --manifest's
# JSON and the C API over image bytes, each seeded. E4I_FUZZ_SECONDS sets the
# length of each run (default 30; 0 skips). Longer runs: fuzz/README.
. "$E4I_SRCDIR/tests/lib.sh"

seconds=${E4I_FUZZ_SECONDS:-30}
[ "$seconds" -gt 0 ] 2>/dev/null || skip_all "E4I_FUZZ_SECONDS=$seconds"
command -v mke2fs >/dev/null || skip_all "needs mke2fs"
make -s -C "$E4I_BUILDDIR" fuzz/inspect-json-fuzz fuzz/manifest-fuzz fuzz/crosscheck-manifest-fuzz \
    fuzz/capi-fuzz >"$T/build.log" 2>&1 || {
    echo "Bail out! building the fuzz targets failed"; sed 's/^/# /' "$T/build.log" | tail -20; exit 1; }
"$E4I_BUILDDIR/fuzz/capi-fuzz" -help=1 >/dev/null 2>&1
[ $? = 77 ] && skip_all "clang++ with libFuzzer is not installed"

# Seeds: "$E4I_SRCDIR/fuzz/seeds.sh DIR" writes every target's seeds.
sh "$E4I_SRCDIR/fuzz/seeds.sh" "$T/seeds" "$E4INLINE" >"$T/seeds.log" 2>&1 || {
    echo "Bail out! making the seeds failed"; sed 's/^/# /' "$T/seeds.log" | tail -20; exit 1; }

artifacts=$E4I_BUILDDIR/fuzz/artifacts/
mkdir -p "$artifacts"
for target in inspect-json manifest crosscheck-manifest capi; do
    mkdir -p "$T/corpus-$target"
    n=$(ls "$T/seeds/$target" | wc -l)
    "$E4I_BUILDDIR/fuzz/$target-fuzz" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$artifacts$target-" \
        "$T/corpus-$target" "$T/seeds/$target" </dev/null >"$T/$target.log" 2>&1
    rc=$?
    diag "$target: $n seeds; $(grep -E '^stat::number_of_executed_units' "$T/$target.log")"
    if [ $rc = 0 ]; then
        ok "$target: no crash, leak, hang or undefined behaviour in ${seconds}s"
    else
        not_ok "$target: no crash, leak, hang or undefined behaviour in ${seconds}s (exit $rc)"
        grep -E 'ERROR|SUMMARY|artifact|runtime error' "$T/$target.log" | head -20 | sed 's/^/# /'
    fi
done
done_testing
