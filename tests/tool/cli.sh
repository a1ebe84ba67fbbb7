#!/bin/sh
# The command line shared by every command: one wording for option and
# argument-count errors (exit 16), `help`, examples in --help, --partition on
# every image command; and the options added to single commands: --size
# suffixes, craft --dry-run, --json of create, convert, craft and verify
# --codes, the --all progress bar, the stress seed.
. "$E4I_SRCDIR/tests/lib.sh"

img=$T/img
mkimg "$img" 8M
E=$E4INLINE

# usage_is NAME PATTERN COMMAND...: exit 16, the first stderr line matches PATTERN.
usage_is() {
    name=$1 pattern=$2; shift 2
    "$@" >"$T/out" 2>"$T/err"; rc=$?
    if [ $rc = 16 ] && head -1 "$T/err" | grep -q -- "$pattern"; then ok "$name"
    else not_ok "$name: exit $rc"; diag "$(head -3 "$T/err")"; fi
}

# json_is NAME FILTER FILE: jq FILTER is true of the JSON in FILE.
json_is() { check "$1" sh -c "jq -e '$2' '$3' >/dev/null"; }

# ---- one wording for option errors, in every command
for cmd in inspect cat create convert verify craft crosscheck snapshot stress; do
    usage_is "$cmd: an unknown long option" "^e4inline $cmd: unknown option '--bogus'\$" "$E" $cmd --bogus "$img" /x
done
usage_is "an unknown short option" "^e4inline verify: unknown option '-q'\$" "$E" verify -q "$img"
usage_is "a long option without its value" "^e4inline create: option '--size' needs a value\$" "$E" create "$img" /f --size
usage_is "a short option without its value" "^e4inline convert: option '-t' needs a value\$" "$E" convert "$img" /f -t
usage_is "a flag given a value" "^e4inline inspect: option '--json' takes no value\$" "$E" inspect --json=yes "$img" /
usage_is "e4inline --bogus is an unknown option" "^e4inline: unknown option '--bogus'\$" "$E" --bogus
usage_is "e4inline frobnicate is an unknown command" "^e4inline: unknown command 'frobnicate'\$" "$E" frobnicate
check "the usage follows the error" grep -q "^Usage: e4inline" "$T/err"

# ---- argument counts, from the records
usage_is "cat: too few arguments" "^e4inline cat: too few arguments\$" "$E" cat "$img"
usage_is "cat: too many arguments" "^e4inline cat: too many arguments\$" "$E" cat "$img" / /x
usage_is "inspect needs a path" "^e4inline inspect: too few arguments\$" "$E" inspect "$img"
usage_is "verify takes one image" "^e4inline verify: too many arguments\$" "$E" verify "$img" "$img"
usage_is "craft needs a kind" "^e4inline craft: too few arguments\$" "$E" craft "$img" /
usage_is "convert without --all takes a path" "^e4inline convert: too few arguments\$" "$E" convert --to inline "$img"
usage_is "create --manifest takes only the image" "^e4inline create: too many arguments\$" \
    "$E" create --manifest /dev/null "$img" /x
usage_is "stress takes one mountpoint" "^e4inline stress: too few arguments\$" "$E" stress --workload x
"$E" convert "$img" / >/dev/null 2>"$T/err"
check "convert without --to names --to" grep -q -- "--to extents or --to inline is required" "$T/err"
check "and its usage names --to" grep -q "^Usage: e4inline convert --to" "$T/err"

# ---- help
"$E" help >"$T/out" 2>&1; rc=$?
check "e4inline help exits 0" [ $rc = 0 ]
check "e4inline help lists the commands" grep -q "^  verify " "$T/out"
"$E" help craft >"$T/help" 2>&1; rc=$?
"$E" craft --help >"$T/dashhelp" 2>&1
check "e4inline help craft exits 0" [ $rc = 0 ]
check "e4inline help craft is e4inline craft --help" cmp -s "$T/help" "$T/dashhelp"
usage_is "help of an unknown command" "^e4inline help: unknown command 'nope'\$" "$E" help nope
for cmd in inspect cat create convert verify craft crosscheck snapshot stress; do
    "$E" $cmd --help >"$T/out"
    check "$cmd --help has examples starting with 'e4inline $cmd'" \
        sh -c "sed -n '/^Examples:/,\$p' '$T/out' | grep -q '^  e4inline $cmd '"
done
"$E" stress --help >"$T/out"
check "stress --help still ends with the workload table" grep -q "^Workloads" "$T/out"

# ---- --partition N: accepted by every image command, checked, passed on
for cmd in inspect cat verify; do
    "$E" $cmd --help | grep -q -- "--partition N"
    check "$cmd --help names --partition" [ $? = 0 ]
done
"$E" create --dir "$img" /d >/dev/null 2>&1
"$E" inspect --partition 0 "$img" /d >/dev/null 2>&1
check "--partition 0 is refused (16)" [ $? = 16 ]
usage_is "--partition abc is refused" "^e4inline cat: --partition wants a partition number 1 to 128, not 'abc'\$" \
    "$E" cat --partition abc "$img" /d
usage_is "--partition on a mountpoint command is unknown" "unknown option '--partition'" \
    "$E" stress --partition 1 /mnt
# Until the library finds partitions, a partition number opens the image as
# it is; what matters here is that the option parses and reaches the open.
"$E" verify --partition 1 "$img" >/dev/null 2>&1; rc=$?
check "verify --partition 1 parses (exit 0, or 8 once partitions are looked up)" [ $rc = 0 -o $rc = 8 ]

# ---- create --size with K/M/G suffixes
"$E" create --size 1k --allow-extents "$img" /k >"$T/out" 2>&1
check "--size 1k is 1024 bytes" [ "$("$E" cat "$img" /k | wc -c)" = 1024 ]
"$E" create --size 1K --dry-run --allow-extents "$img" /k2 >"$T/out" 2>&1
check "--size 1K too" grep -q "1024 bytes" "$T/out"
"$E" create --size 2M --dry-run --allow-extents "$img" /m2 >"$T/out" 2>&1
check "--size 2M is 2097152 bytes" grep -q "2097152 bytes" "$T/out"
for bad in 1x 1.5k -1 k 1kk 18446744073709551615k; do
    usage_is "--size $bad is refused" "^e4inline create: --size wants a byte count with an optional K, M or G suffix, not '$bad'\$" \
        "$E" create --size "$bad" "$img" /bad
done
usage_is "--size 2G is over the limit" "limited to 1 GiB" "$E" create --size 2G --allow-extents "$img" /huge

# ---- --json of create, convert, craft
"$E" create --json --size 20 "$img" /j >"$T/out" 2>&1
json_is "create --json: one object" '.path == "/j" and .type == "regular" and .storage == "inline" and .size == 20 and .dry_run == false and (.inode | type) == "number"' "$T/out"
"$E" create --json --dry-run --symlink /t "$img" /js >"$T/out" 2>&1
json_is "create --json --dry-run: inode null, fast symlink" '.dry_run and .inode == null and .storage == "fast-symlink" and .size == 2 and (.note | length) > 0' "$T/out"
mkdir -p "$T/tree/sub" && echo hi >"$T/tree/sub/f"
"$E" create --json --from-dir "$T/tree" --into /tree -p "$img" >"$T/out" 2>&1
json_is "create --from-dir --json: the counts" '.files == 1 and .dirs == 1 and .into == "/tree" and .bytes == 3' "$T/out"
"$E" convert --json --to extents "$img" /j >"$T/out" 2>&1
json_is "convert --json: converted" '.status == "converted" and .target == "extents" and .path == "/j" and .size == 20 and .type == "regular"' "$T/out"
"$E" convert --json --to extents "$img" /j >"$T/out" 2>&1
json_is "convert --json: already" '.status == "already"' "$T/out"
"$E" convert --json --all --dry-run --to inline "$img" >"$T/out" 2>/dev/null
json_is "convert --all --json: the summary" '.dry_run and .under == "/" and .examined >= 1 and (.refusals | type) == "object"' "$T/out"
"$E" create --size 10 "$img" /victim >/dev/null 2>&1
cp "$img" "$T/before"
"$E" craft --dry-run "$img" /victim size-past-inline >"$T/out" 2>&1; rc=$?
check "craft --dry-run exits 0" [ $rc = 0 ]
check "craft --dry-run says what it would do" grep -q "would craft size-past-inline on inode" "$T/out"
check "craft --dry-run changes nothing" cmp -s "$img" "$T/before"
"$E" craft --dry-run "$img" /missing size-past-inline >/dev/null 2>&1
check "craft --dry-run of a missing target fails (8)" [ $? = 8 ]
"$E" craft --json "$img" /victim size-past-inline >"$T/out" 2>&1
json_is "craft --json: one object" '.kind == "size-past-inline" and .target == "/victim" and .dry_run == false and (.inode | type) == "number" and .arg == null and (.result | length) > 0' "$T/out"
check "craft without --dry-run did change the image" sh -c "! cmp -s '$img' '$T/before'"

# ---- verify --codes honours --json
"$E" verify --codes --json >"$T/out"
json_is "verify --codes --json is JSON" '(.codes | length) > 20 and (.codes[0] | keys_unsorted) == ["name", "severity", "e2fsck", "summary"]' "$T/out"
"$E" verify --json --codes >"$T/out2"
check "in either order" cmp -s "$T/out" "$T/out2"
check "as many codes as the text list" [ "$(jq '.codes | length' "$T/out")" = "$("$E" verify --codes | wc -l)" ]

# ---- the --all progress bar
mkimg "$T/p" 8M
for i in 1 2 3 4 5; do "$E" create --size 10 "$T/p" /f$i >/dev/null; done
"$E" convert --all --to extents "$T/p" >"$T/out" 2>"$T/err"
check "no bar when stderr is not a terminal" [ ! -s "$T/err" ]
"$E" convert --all --progress --to inline "$T/p" >"$T/out" 2>"$T/err"
check "--progress draws it anyway" grep -q "100% " "$T/err"
check "one 100% frame, none after it" [ "$(tr '\r' '\n' <"$T/err" | grep -c '100%')" = 1 ]
check "no extra 1/1 frame" sh -c "! tr '\r' '\n' <'$T/err' | grep -q ' 1/1\$'"
check "the bar ends its line" [ "$(tail -c 1 "$T/err" | od -An -c | tr -d ' ')" = '\n' ]
if command -v script >/dev/null 2>&1; then
    "$E" convert --all --to extents "$T/p" >/dev/null 2>&1
    script -qec "'$E' convert --all --to inline '$T/p'" /dev/null >"$T/tty" 2>&1
    check "on a terminal the summary comes after the bar's line" \
        sh -c "tr -d '\r' <'$T/tty' | tail -1 | grep -q '^converted '"
    check "and the bar's line ends before it" \
        sh -c "tr '\r' '\n' <'$T/tty' | grep -v '^\$' | tail -2 | head -1 | grep -q '100% '"
else
    skip "on a terminal the summary comes after the bar's line" "needs script (util-linux)"
fi

# ---- the stress seed is an unsigned 64-bit integer
usage_is "--seed 1.5 is refused" "^e4inline stress: --seed wants an unsigned 64-bit integer, not '1.5'\$" \
    "$E" stress --seed 1.5 --workload x /mnt
usage_is "--seed 2^64 is refused" "not '18446744073709551616'" "$E" stress --seed 18446744073709551616 --workload x /mnt
usage_is "--seed -1 is refused" "not '-1'" "$E" stress --seed -1 --workload x /mnt
"$E" stress --seed 18446744073709551615 --list >/dev/null 2>&1
check "--seed 2^64-1 is taken" [ $? = 0 ]

# ---- e4inline-vm -V: the version line of the e4inline it runs
vm=$E4I_SRCDIR/misc/e4inline-vm
for opt in -V --version; do
    out=$(E4INLINE=$E bash "$vm" $opt 2>&1); rc=$?
    check "e4inline-vm $opt exits 0" [ $rc = 0 ]
    check "e4inline-vm $opt prints e4inline -V's line" [ "$out" = "$("$E" -V)" ]
done

check "e2fsck clean at the end" fsck_clean "$T/p"
done_testing
