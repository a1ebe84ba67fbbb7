#!/bin/sh
# snapshot records what the kernel shows; crosscheck --manifest compares an
# unmounted image with it and names each difference.
. "$E4I_SRCDIR/tests/lib.sh"

"$E4INLINE" crosscheck --manifest /nonexistent.json /nonexistent.img >/dev/null 2>&1; rc=$?
check "a missing manifest is an operational error (8)" [ $rc -eq 8 ]
echo '{"format": "something-else"}' >"$T/bogus.json"
mkimg "$T/empty.img" 4M
"$E4INLINE" crosscheck --manifest "$T/bogus.json" "$T/empty.img" >"$T/out" 2>&1; rc=$?
check "a JSON file that is not a manifest is refused (8)" sh -c "[ $rc -eq 8 ] && grep -q 'not an e4inline manifest' '$T/out'"

require_root_loop
command -v debugfs >/dev/null || skip_all "needs debugfs"
img=$T/img M=$T/mnt
mkimg "$img" 16M
mount_loop "$img" "$M" || skip_all "cannot loop-mount an ext4 image"
pattern_file "$M/small" 40 1; pattern_file "$M/inline" 120 2; pattern_file "$M/big" 9000 3
odd=$(printf 'a\001\377')   # a control character and a byte that is not UTF-8
pattern_file "$M/$odd" 30 4
mkdir "$M/d"; echo x >"$M/d/x"; ln -s "$(printf 'long/%.0s' 1 2 3 4 5 6 7 8 9 10 11 12 13)" "$M/link"
"$E4INLINE" snapshot "$M" >"$T/manifest.json"; rc=$?
check "snapshot: exit 0" [ $rc -eq 0 ]
check "snapshot: the manifest records the inline flag and a sha256" \
    sh -c "grep -q '\"path\": \"/inline\"' '$T/manifest.json' && grep -q '\"inline\": true' '$T/manifest.json' && grep -q '\"sha256\": \"[0-9a-f]\{64\}\"' '$T/manifest.json'"
want=$(sha256sum "$M/inline" | cut -d' ' -f1)
check "snapshot: the hash is the SHA-256 of the content" grep -q "\"sha256\": \"$want\"" "$T/manifest.json"
check "snapshot: a non-UTF-8 name is lossless (path_b64 holds its exact bytes)" \
    grep -q '"path_b64": "L2EB/w=="' "$T/manifest.json"
odd_ino=$(stat -c %i "$M/$odd")
umount "$M"

"$E4INLINE" crosscheck --manifest "$T/manifest.json" "$img" >"$T/out" 2>&1; rc=$?
if [ $rc -eq 0 ] && grep -q '^all equal$' "$T/out"; then ok "after unmount the image matches the manifest (exit 0)"
else not_ok "after unmount the image matches the manifest (exit 0)"; diag "rc=$rc" "$(cat "$T/out")"; fi

# Change the image offline: shrink one file, remove another.
debugfs -w -R "sif /small size 10" "$img" >/dev/null 2>&1
debugfs -w -R "sif <$odd_ino> size 10" "$img" >/dev/null 2>&1
debugfs -w -f - "$img" >/dev/null 2>&1 <<EOC
rm /d/x
EOC
"$E4INLINE" crosscheck --manifest "$T/manifest.json" "$img" >"$T/out" 2>&1; rc=$?
diag "$(cat "$T/out")"
check "changed image: exit 4" [ $rc -eq 4 ]
check "changed image: the size change is named" grep -q '^/small (inode [0-9]*, regular): size mismatch: manifest size 40, image i_size 10$' "$T/out"
check "changed image: the changed content is named" grep -q '^/small (inode [0-9]*, regular): content mismatch' "$T/out"
check "changed image: the removed file is missing" grep -q '^/d/x (inode [0-9]*, regular): missing mismatch' "$T/out"
check "changed image: the directory's entries changed" grep -q '^/d (inode [0-9]*, directory): dir-entries mismatch' "$T/out"
check "changed image: untouched files are not named" sh -c "! grep -q '^/inline \|^/big \|^/link ' '$T/out'"
check "changed image: the non-UTF-8 name is escaped in the text (printable)" \
    grep -qF '/a\x01\xff (inode '"$odd_ino"', regular): size mismatch' "$T/out"
check "... and no raw byte of it reaches the text" sh -c "! LC_ALL=C grep -q '$odd' '$T/out'"
"$E4INLINE" crosscheck --json --manifest "$T/manifest.json" "$img" >"$T/json" 2>&1
check "--json: equal false" grep -q '"equal": false' "$T/json"
check "--json: the non-UTF-8 name is lossless (path_b64)" grep -q '"path_b64": "L2EB/w=="' "$T/json"
done_testing
