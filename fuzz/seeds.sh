#!/bin/sh
# fuzz/seeds.sh DIR [E4INLINE]: write seed inputs for the robustness fuzz
# targets into DIR/inspect-json, DIR/manifest, DIR/crosscheck-manifest and
# DIR/capi. Needs mke2fs and debugfs; E4INLINE (craft) adds corrupt images.
set -e
out=$1
e4i=${2:-e4inline}
mkdir -p "$out/inspect-json" "$out/manifest" "$out/crosscheck-manifest" "$out/capi"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# A small tree: inline files, an inline directory, an inline symlink, a name
# that is not UTF-8, one that is.
mkdir -p "$work/src/d"
printf 'hi\n' >"$work/src/small"
head -c 100 /dev/zero | tr '\0' 'x' >"$work/src/medium"
ln -s "/$(printf 'y%.0s' $(seq 79))" "$work/src/link"
printf 'x\n' >"$work/src/d/f"
printf 'b\n' >"$work/src/$(printf 'bad\377name')"
printf 'u\n' >"$work/src/$(printf 'caf\303\251')"
base=$work/base.img
mke2fs -q -F -t ext4 -b 1024 -N 32 -O inline_data,^has_journal,^resize_inode -E root_owner=0:0 \
    -d "$work/src" "$base" 128K >/dev/null 2>&1
cp "$base" "$out/capi/base"
for kind in $("$e4i" craft --list 2>/dev/null | grep -v '^ '); do
    case $kind in
    xattr-overlap) t=/medium ;; dir-*) t=/d ;; symlink-*) t=/link ;; lost-found-inline) t=/lost+found ;;
    bitmap-full) t=/ ;; *) t=/small ;;
    esac
    cp "$base" "$out/capi/$kind"
    "$e4i" craft "$out/capi/$kind" "$t" "$kind" >/dev/null 2>&1 || rm -f "$out/capi/$kind"
done

# Raw inodes (byte 0 = 1: 256-byte inodes) of every inode of the base image
# and of the crafted ones, with a path after some of them.
for img in "$out"/capi/*; do
    name=$(basename "$img")
    for ino in 2 11 12 13 14 15 16 17 18; do
        loc=$(debugfs -R "imap <$ino>" "$img" 2>/dev/null | sed -n 's/.*located at block \([0-9]*\), offset 0x\([0-9a-f]*\).*/\1 \2/p')
        [ -n "$loc" ] || continue
        set -- $loc
        off=$(( $1 * 1024 + $(printf '%d' "0x$2") ))
        { printf '\001'; dd if="$img" bs=1 skip="$off" count=256 2>/dev/null; } >"$out/inspect-json/$name-$ino"
        [ "$ino" = 12 ] && { cat "$out/inspect-json/$name-$ino"; printf '/d/bad\377name'; } \
            >"$out/inspect-json/$name-$ino-path"
    done
done

# Text manifests: every type, modes, sources, comments, the errors.
m=$out/manifest
printf '/a file 10\n/b dir\n/b/c symlink /%s 0700\n' "$(printf 't%.0s' $(seq 70))" >"$m/basic"
printf '# comment\n/x/y/z file @small 0600\n/x/e file @empty\n/x/l file @link\n\n/d dir - 0755\n' >"$m/sources"
printf '/big file @large\n/z file @zero\n/dir file @dir\n' >"$m/big"
printf '/a file 10\n/a file 10\n/a/b file 1\n/q file 1 0644 extra\n/r sock\n/s symlink\n' >"$m/errors"
printf '/f file -\n/m file 5 9999\n/n file 99999999999\n/%s file 1\n' "$(printf 'n%.0s' $(seq 300))" >"$m/bad-values"

# JSON manifests, as snapshot writes them, and broken ones.
c=$out/crosscheck-manifest
cat >"$c/good" <<'JSON'
{"format":"e4inline-manifest","version":1,"mountpoint":"/mnt","device":"/dev/loop0","uuid":"",
 "files":[{"path":"/small","inode":12,"type":"regular","size":3,"inline":true,"sha256":"98ea6e4f216f2fb4b69fff9b3a44842c38686ca685f3f55dc48c5d3fb1107be4"},
 {"path":"/d","inode":13,"type":"directory","size":60,"inline":true,"sha256":"00"},
 {"path":"/bad\ufffdname","path_b64":"L2JhZP9uYW1l","inode":16,"type":"regular","size":2,"inline":null,"sha256":"00"}]}
JSON
printf '{"format":1}' >"$c/format-number"
printf '{"format":"e4inline-manifest","version":"1"}' >"$c/version-string"
printf '{"format":"e4inline-manifest","version":1,"files":[{"path":7}]}' >"$c/path-number"
printf '{"format":"e4inline-manifest","version":1,"files":[{"path":"/x","path_b64":"!!","inode":1,"type":"regular","size":0,"sha256":""}]}' >"$c/bad-b64"
printf '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]' >"$c/deep"
