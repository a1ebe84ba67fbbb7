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
