# Helpers shared by the stress tests (sourced after tests/lib.sh).

# report_field JSON_FILE KEY: the top-level scalar KEY of a pretty-printed report.
report_field() {
    sed -n "s/^  \"$2\": \"\{0,1\}\([^\",]*\)\"\{0,1\},\{0,1\}\$/\1/p" "$1" | head -1
}

# report_files JSON_FILE: "PATH CKSUM SIZE" per file the report expects after the run.
report_files() {
    awk '
    /"file":/ { gsub(/[",]/, "", $2); f = $2 }
    /"size":/ { gsub(/,/, "", $2); s = $2 }
    /"cksum":/ { print f, $2, s }
    ' "$1"
}

# image_matches_report IMAGE JSON_FILE: every expected file, read with e4inline cat
# from the unmounted image, has the size and cksum(1) the report says.
image_matches_report() {
    n=0 bad=0
    while read -r f ck sz; do
        n=$((n + 1))
        got=$("$E4INLINE" cat "$1" "$f" | cksum)
        if [ "$got" != "$ck $sz" ]; then
            bad=$((bad + 1)); diag "$f: e4inline cat gives '$got', the workload wrote '$ck $sz'"
        fi
    done <<EOF2
$(report_files "$2")
EOF2
    [ "$n" -gt 0 ] || { diag "no files in the report $2"; return 1; }
    [ "$bad" -eq 0 ]
}

# xfail NAME REASON: a known kernel bug (automake counts "not ok ... # TODO" as XFAIL).
xfail() { tap_n=$((tap_n + 1)); echo "not ok $tap_n - $1 # TODO $2"; }

# report_mismatches JSON_FILE: "FILE OFFSET DETAIL" per entry of the report's
# workload mismatches (only they carry a "detail").
report_mismatches() {
    awk '
    /^  "mismatches": \[/ { inside = 1; next }
    inside && /^  \]/ { inside = 0 }
    inside && /"file":/ { gsub(/[",]/, "", $2); f = $2 }
    inside && /"offset":/ { gsub(/,/, "", $2); o = $2 }
    inside && /"detail":/ { sub(/^ *"detail": "/, ""); sub(/"$/, ""); print f, o, $0 }
    ' "$1"
}

# image_byte IMAGE PATH OFFSET: the byte at OFFSET of PATH on the unmounted image,
# as two hex digits (empty past the end).
image_byte() {
    "$E4INLINE" cat "$1" "$2" | od -An -tx1 -j "$3" -N1 | tr -d ' \n'
}
