#!/bin/sh
# The image check of e4inline-vm, on an image made with mke2fs -d and a hand-made
# stress report (no qemu, no root): every file the report lists is read back from
# the image with `e4inline cat` and its cksum compared; a file whose bytes on disk
# differ, or that is missing, is a mismatch (exit 4), and for a file listed twice
# (two iterations, a failed one first) the last entry is what must be on disk.
. "$E4I_SRCDIR/tests/lib.sh"
command -v jq >/dev/null || skip_all "jq not installed"
vm=$E4I_SRCDIR/misc/e4inline-vm

mkdir -p "$T/src/e4inline-stress/it1" "$T/src/e4inline-stress/it2"
printf 'written by iteration 1' >"$T/src/e4inline-stress/it1/a"
printf 'the last state of b' >"$T/src/e4inline-stress/it2/b"
printf 'what the disk holds' >"$T/src/e4inline-stress/it2/c"
mke2fs -q -F -t ext4 -O inline_data -E root_owner=0:0 -d "$T/src" "$T/img" 4M >/dev/null 2>&1 ||
    skip_all "mke2fs -d cannot make the image"
# entry FILE CONTENT: the report's {"file", "size", "cksum"} for CONTENT.
entry() {
    set -- "$1" "$(printf '%s' "$2" | cksum)"
    printf '{"file": "%s", "size": %s, "cksum": %s}' "$1" "${2#* }" "${2% *}"
}
cat >"$T/good.json" <<EOT
{"workload": "hand-made", "verdict": "mismatch", "files": [
  $(entry e4inline-stress/it1/a 'written by iteration 1'),
  $(entry e4inline-stress/it2/b 'an earlier state of b'),
  $(entry e4inline-stress/it2/b 'the last state of b'),
  $(entry e4inline-stress/it2/c 'what the disk holds')]}
EOT
"$vm" --check-image "$T/img" "$T/good.json" >"$T/out.json" 2>"$T/err"
check "a report the image agrees with: exit 0" [ $? -eq 0 ]
check "every distinct file is checked (3)" [ "$(jq .files "$T/out.json")" -eq 3 ]
check "no mismatch" [ "$(jq '.mismatches | length' "$T/out.json")" -eq 0 ]

cat >"$T/bad.json" <<EOT
{"workload": "hand-made", "verdict": "ok", "files": [
  $(entry e4inline-stress/it1/a 'written by iteration 1'),
  $(entry e4inline-stress/it2/c 'what the workload wrote'),
  $(entry e4inline-stress/it2/gone 'never reached the disk')]}
EOT
"$vm" --check-image "$T/img" "$T/bad.json" >"$T/out.json" 2>"$T/err"
check "a file whose disk bytes differ: exit 4" [ $? -eq 4 ]
check "and the message counts them" grep -q '2 file(s) in .* differ from' "$T/err"
check "the differing file is a mismatch with both cksums" \
    [ "$(jq -r '.mismatches[0] | [.file, .expected, .got] | join("|")' "$T/out.json")" = \
      "e4inline-stress/it2/c|$(printf 'what the workload wrote' | cksum)|$(printf 'what the disk holds' | cksum)" ]
check "a file missing from the image is a mismatch" \
    [ "$(jq -r '.mismatches[1] | .file + " " + (.got | startswith("unreadable") | tostring)' "$T/out.json" | tr -d '\n')" = "e4inline-stress/it2/gone true" ]
check "the file that agrees is not listed" [ "$(jq '[.mismatches[] | select(.file | endswith("it1/a"))] | length' "$T/out.json")" -eq 0 ]

"$E4INLINE" stress --check-image "$T/img" "$T/bad.json" >"$T/e4i.json" 2>"$T/err"
check "e4inline stress --check-image: exit 4 too" [ $? -eq 4 ]
check "... printing what e4inline-vm --check-image prints" cmp -s "$T/e4i.json" "$T/out.json"
check "... and one line on stderr counting the files" [ "$(grep -c '^e4inline: 2 file(s) in .* differ from .*bad.json$' "$T/err")" -eq 1 ]
printf '{"files": [{"file": "e4inline-stress/it1/a", "size": "big"}]}' >"$T/odd.json"
expect_error "a files entry without a numeric size and cksum: 8, naming the report" 8 "odd.json" \
    "$E4INLINE" stress --check-image "$T/img" "$T/odd.json"
expect_error "an image that does not exist: 8, naming it" 8 "no-such.img" \
    "$E4INLINE" stress --check-image "$T/no-such.img" "$T/good.json"
printf 'not json' >"$T/junk.json"
"$vm" --check-image "$T/img" "$T/junk.json" >/dev/null 2>&1
check "a report that is not JSON is an operational error (8)" [ $? -eq 8 ]
"$vm" --check-image "$T/img" >/dev/null 2>&1
check "--check-image without a report is a usage error (16)" [ $? -eq 16 ]
done_testing
