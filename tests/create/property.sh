#!/bin/sh
# Property test: random sequences of create and convert with random sizes on
# random geometries. After every step e2fsck -fn is clean and the library's
# reader (e4inline cat) gives back every file's expected bytes. A failure
# prints the seed; E4I_SEED=N reruns the same sequence. Bounded by time
# (E4I_PROPERTY_SECONDS, default 50).
. "$E4I_SRCDIR/tests/lib.sh"

seed=${E4I_SEED:-$(( $(date +%s) % 100000 ))}
budget=${E4I_PROPERTY_SECONDS:-50}
diag "seed $seed (rerun with E4I_SEED=$seed)"
state=$seed
# rnd N: a number in [0, N) from a 31-bit LCG, in $r.
rnd() { state=$(( (state * 1103515245 + 12345) % 2147483648 )); r=$(( (state / 65536) % $1 )); }

img=$T/img
shadow=$T/shadow
start=$(date +%s)
failures=0
fail() { failures=$((failures + 1)); not_ok "seed $seed geometry '$geo' step $step: $*"; }

storage() { "$E4INLINE" inspect "$img" "$1" 2>/dev/null | sed -n 's/^Storage: //p'; }

# verify_all: e2fsck, then every tracked file and symlink reads back.
verify_all() {
    fsck_clean "$img" || { fail "e2fsck after: $what"; return 1; }
    while read -r kind p; do
        [ "$kind" = d ] && continue
        "$E4INLINE" cat "$img" "$p" >"$T/got" 2>"$T/err" || { fail "cat $p after: $what: $(cat "$T/err")"; return 1; }
        cmp -s "$T/got" "$shadow$p" || { fail "bytes of $p after: $what"; return 1; }
    done <"$T/paths"
    return 0
}

geometries="1024:256:metadata_csum 4096:256:metadata_csum 1024:512:^metadata_csum 4096:512:^metadata_csum 1024:256:^metadata_csum 4096:512:metadata_csum"
round=0
while [ $(( $(date +%s) - start )) -lt "$budget" ] && [ $round -lt 6 ]; do
    round=$((round + 1))
    rnd 6; geo=$(echo $geometries | cut -d' ' -f$((r + 1)))
    bs=${geo%%:*}; rest=${geo#*:}; isz=${rest%%:*}; csum=${rest#*:}
    mkimg "$img" 4M -b "$bs" -I "$isz" -O "$csum" || { step=0; fail "mke2fs"; continue; }
    cap=$(( isz == 256 ? 128 : 384 ))
    rm -rf "$shadow"; mkdir -p "$shadow"; : >"$T/paths"; echo "d /" >>"$T/paths"
    step=0; n=0
    while [ $step -lt 30 ] && [ $(( $(date +%s) - start )) -lt "$budget" ]; do
        step=$((step + 1)); n=$((n + 1))
        # a parent: the root or one of the directories made so far
        ndirs=$(grep -c '^d ' "$T/paths"); rnd "$ndirs"
        parent=$(grep '^d ' "$T/paths" | sed -n "$((r + 1))p" | cut -d' ' -f2); [ "$parent" = / ] && parent=
        rnd 10; op=$r
        case $op in
        0|1|2)  # a regular file
            rnd $((cap + 40)); size=$r; rnd 2; extents=$r
            p=$parent/f$n; pattern_file "$shadow$p" $size $n
            flag=; [ $extents = 1 ] && flag=--allow-extents
            what="create $p --size $size $flag"
            "$E4INLINE" create "$img" "$p" --from "$shadow$p" $flag >"$T/out" 2>&1; rc=$?
            if [ $size -le $cap ]; then
                [ $rc = 0 ] || { fail "$what exited $rc: $(cat "$T/out")"; break; }
                [ "$(storage "$p")" = inline ] || { fail "$what is not inline"; break; }
                echo "f $p" >>"$T/paths"
            elif [ $extents = 1 ]; then
                [ $rc = 0 ] || { fail "$what exited $rc: $(cat "$T/out")"; break; }
                echo "f $p" >>"$T/paths"
            else
                [ $rc = 1 ] && grep -q "at most $cap bytes" "$T/out" || { fail "$what: expected a refusal, got $rc"; break; }
                rm -f "$shadow$p"
            fi ;;
        3)  # a directory
            p=$parent/d$n; what="create $p --dir"
            "$E4INLINE" create "$img" "$p" --dir >"$T/out" 2>&1 || { fail "$what: $(cat "$T/out")"; break; }
            mkdir -p "$shadow$p"; echo "d $p" >>"$T/paths" ;;
        4)  # a symlink
            rnd 150; len=$((r + 1)); p=$parent/l$n
            target=/$(printf 'x%.0s' $(seq 1 $((len - 1))))
            what="create $p --symlink (${len} bytes) --allow-extents"
            "$E4INLINE" create "$img" "$p" --symlink "$target" --allow-extents >"$T/out" 2>&1 || { fail "$what: $(cat "$T/out")"; break; }
            printf '%s' "$target" >"$shadow$p"; echo "s $p" >>"$T/paths" ;;
        5|6|7)  # convert one tracked inode
            nall=$(wc -l <"$T/paths"); rnd "$nall"
            p=$(sed -n "$((r + 1))p" "$T/paths" | cut -d' ' -f2)
            rnd 2; to=extents; [ $r = 1 ] && to=inline
            what="convert $p --to $to"
            "$E4INLINE" convert "$img" "$p" --to $to >"$T/out" 2>&1; rc=$?
            [ $rc = 0 ] || [ $rc = 1 ] || { fail "$what exited $rc: $(cat "$T/out")"; break; }
            if [ $rc = 0 ] && [ $to = inline ] && ! grep -q "nothing to do" "$T/out" && [ "$(storage "$p")" != inline ]; then
                fail "$what succeeded but the inode is not inline"; break
            fi ;;
        8|9)  # convert everything
            rnd 2; to=extents; [ $r = 1 ] && to=inline
            what="convert --all --to $to"
            "$E4INLINE" convert --all "$img" --to $to >"$T/out" 2>&1 || { fail "$what: $(cat "$T/out")"; break; } ;;
        esac
        verify_all || break
    done
    [ $failures = 0 ] && ok "seed $seed geometry $geo: $step steps, e2fsck clean and contents right after each"
done
[ $round -gt 0 ] || skip "property test" "no time budget"
done_testing
