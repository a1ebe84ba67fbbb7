#!/bin/sh
# verify as a tool: exit codes, the summary, JSON, the findings no craft kind
# makes, and never a crash or hang on an image with a scrambled inode table.
. "$E4I_SRCDIR/tests/lib.sh"

src=$T/src
mkdir -p "$src/d"
printf 'hi\n' >"$src/a"
pattern_file "$src/b" 100
pattern_file "$src/c" 128
pattern_file "$src/big" 5000 3
ln -s "/$(printf 'z%.0s' $(seq 69))" "$src/link"
img=$T/img
mke2fs -q -F -t ext4 -O inline_data -E lazy_itable_init=0,root_owner=0:0 -d "$src" "$img" 4M >/dev/null 2>&1 ||
    { echo "Bail out! mke2fs -d failed"; exit 1; }

"$E4INLINE" verify "$img" >"$T/out" 2>"$T/err"
check "clean image exits 0" test $? = 0
check "clean image says so" grep -qx "clean: no findings" "$T/out"
check "summary counts inline files, directories, symlinks" \
    grep -qx "inline: 3 files, 1 directories, 1 symlinks, 0 other" "$T/out"
check "histogram: a, d under 60; b, link, c in 65-128" \
    grep -qx "inline sizes: <=60 2, 61-64 0, 65-128 3, 129-256 0, 257-512 0, 513-1024 0, >1024 0" "$T/out"
check "capacity line: c fills its 128 bytes" grep -q "^capacity: .* 1 inodes full$" "$T/out"
check "no progress on stderr without --progress" test ! -s "$T/err"

"$E4INLINE" verify --json --progress "$img" >"$T/json" 2>"$T/err"
check "--json exits 0 when clean" test $? = 0
check "--json has the summary keys" grep -q '"inline_size_histogram"' "$T/json"
check "--json says clean" grep -q '"clean": true' "$T/json"
check "--progress reports groups on stderr" grep -q "verify: group 1 of 1" "$T/err"

# A finding no craft kind makes: clear the superblock feature under inline inodes.
cp "$img" "$T/nofeat"
debugfs -w -R "feature -inline_data" "$T/nofeat" >/dev/null 2>&1
"$E4INLINE" verify "$T/nofeat" >"$T/out"
check "inline flag without the feature exits 4" test $? = 4
n=$(grep -c ': flag-without-feature (error)' "$T/out")
others=$(grep -c '^<' "$T/out")
check "every inline inode (5) is flag-without-feature, nothing else ($n of $others)" test "$n" = 5 -a "$others" = 5

# Findings name a path and carry e2fsck's code.
cp "$img" "$T/f"
"$E4INLINE" craft "$T/f" /d dir-size-mismatch >/dev/null
"$E4INLINE" verify "$T/f" >"$T/out"
check "a finding names its path" grep -q '^<[0-9]*> /d: dir-size-mismatch (error): i_size 64 != inline size 60$' "$T/out"
check "a finding names the e2fsck problem" grep -q '^    e2fsck: PR_1_BAD_I_SIZE; i_size=64 inline_size=60$' "$T/out"
"$E4INLINE" verify --json "$T/f" >"$T/json"
check "JSON finding has code, inode, path, raw, e2fsck" \
    grep -q '"code": "dir-size-mismatch"' "$T/json"
check "verify never writes" sh -c "cp '$T/f' '$T/f2' && '$E4INLINE' verify '$T/f' >/dev/null; cmp -s '$T/f' '$T/f2'"

# Usage and operational errors.
"$E4INLINE" verify >/dev/null 2>&1; check "no image: exit 16" test $? = 16
"$E4INLINE" verify --bogus "$img" >/dev/null 2>&1; check "unknown option: exit 16" test $? = 16
"$E4INLINE" verify "$T/none" >/dev/null 2>"$T/err"; rc=$?
check "missing image: exit 8" test $rc = 8
check "missing image: one line naming it" sh -c "test \$(wc -l <'$T/err') = 1 && grep -q '$T/none' '$T/err'"
head -c 1048576 /dev/urandom >"$T/junk"
"$E4INLINE" verify "$T/junk" >/dev/null 2>&1; check "random bytes: exit 8" test $? = 8

# Scramble the inode table: any exit but a crash (>= 128) or a hang.
itable=$(dumpe2fs "$img" 2>/dev/null | sed -n 's/^ *Inode table at \([0-9]*\)-.*/\1/p' | head -1)
bs=1024
bad=0
i=0
while [ $i -lt 60 ]; do
    i=$((i + 1))
    cp "$img" "$T/s"
    # 64 random bytes at a random offset in the first 4 KiB of the inode table.
    off=$(( itable * bs + $(od -An -N2 -tu2 /dev/urandom) % 4096 ))
    head -c 64 /dev/urandom | dd of="$T/s" bs=1 seek=$off conv=notrunc 2>/dev/null
    timeout 10 "$E4INLINE" verify "$T/s" >/dev/null 2>&1; rc=$?
    case $rc in 0|4|8) ;; *) bad=$((bad + 1)); diag "exit $rc at offset $off"; cp "$T/s" "${TMPDIR:-/tmp}/verify-crash-$off.img" ;; esac
done
check "60 scrambled inode tables: exit 0, 4 or 8 every time" test $bad = 0
done_testing
