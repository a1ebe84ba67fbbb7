#!/bin/sh
# The README's tour, as a script: it builds its own images with fixed
# parameters (UUID, directory hash seed, time) and runs every example the
# README quotes. Its output is a series of blocks, each starting with a line
#   @@ NAME
# that README.md quotes in the fenced block after <!-- tour: NAME -->.
# tests/tour/readme.sh compares the two; tests/tour/update-readme rewrites the
# README's blocks from this output. Runs in a scratch directory, as any user.
#
# Left out: crosscheck, snapshot and stress (they need root, a loop mount and,
# for stress, a kernel that behaves the same on every run).
set -u
E4INLINE=${E4INLINE:-e4inline}
PATH=$PATH:/sbin:/usr/sbin
export LC_ALL=C
# libext2fs (mke2fs, debugfs, e2fsck and e4inline alike) takes "now" from here.
export E2FSPROGS_FAKE_TIME=1767225600   # 2026-01-01 00:00:00 UTC
"$E4INLINE" -V >/dev/null 2>&1 || { echo "tour.sh: cannot run $E4INLINE (set E4INLINE)" >&2; exit 99; }
TOUR_DIR=$(mktemp -d "${TMPDIR:-/tmp}/e4i-tour.XXXXXX") || exit 99
trap 'rm -rf "$TOUR_DIR"' EXIT
cd "$TOUR_DIR" || exit 99

# What the tour's commands call: the e4inline under test, by its usual name.
e4inline() { "$E4INLINE" "$@"; }

block() { echo "@@ $1"; }
# run CMD: "$ CMD", then what it prints (stderr with stdout), then "(exit N)"
# when it fails.
run() {
    printf '$ %s\n' "$1"
    (eval "$1") 2>&1
    rc=$?
    [ $rc = 0 ] || echo "(exit $rc)"
}
# run_head N CMD / run_tail N CMD: the same, cut to the first or last N lines
# of the output; the cut is marked with a line "...".
run_head() {
    printf '$ %s\n' "$2"
    (eval "$2") >out.tmp 2>&1
    head -n "$1" out.tmp
    [ "$(wc -l <out.tmp)" -gt "$1" ] && echo "..."
    rm -f out.tmp
}
run_tail() {
    printf '$ %s\n' "$2"
    (eval "$2") >out.tmp 2>&1
    [ "$(wc -l <out.tmp)" -gt "$1" ] && echo "..."
    tail -n "$1" out.tmp
    rm -f out.tmp
}
# mkfs IMAGE SIZE: a fresh ext4 image with inline_data and fixed identity.
mkfs() {
    truncate -s "$2" "$1"   # so that mke2fs does not announce a new file
    mke2fs -q -F -t ext4 -O inline_data -U 6e3d4f7a-0b1c-4d2e-9f80-a1b2c3d4e5f6 \
        -E hash_seed=2f6c1d5e-8a9b-4c3d-b2e1-f0a9b8c7d6e5,root_owner=0:0,lazy_itable_init=0 "$1" "$2"
}

# ---------------------------------------------------------------- inspect, cat, list
block disk
run "mkfs disk.img 4M"
run "e4inline create disk.img /file-0 --size 0"
run "e4inline create disk.img /file-61 --size 61"
run "e4inline create disk.img /file-129 --size 129 --allow-extents"
run "e4inline create disk.img /dir --dir"
run "printf 'hello\\n' >greeting && e4inline create disk.img /dir/greeting --from greeting"
run "e4inline create disk.img /dir/link --symlink /a/target/of/sixty/bytes/or/more/is/stored/inline/in/the/inode"

block inspect
run "e4inline inspect disk.img /file-61"

block inspect-extents
run "e4inline inspect disk.img /file-129 | grep -E '^(Inode|Storage|Reason|Inline capacity):'"

block inspect-empty
run "e4inline inspect disk.img /file-0 | grep -E '^(Size|Reason):'"

block inspect-hex
run_tail 10 "e4inline inspect --hex disk.img /dir"

block inspect-json
run "e4inline inspect --json disk.img /file-61 | jq -c '.inodes[0] | {inode, path, storage, capacity, inline_size, system_data}'"

block cat
run "e4inline cat disk.img /dir/greeting"
run "e4inline cat disk.img /dir"

block list
run "e4inline list disk.img"
run "e4inline list --json disk.img /dir | jq -c '.[]'"
run "e4inline list disk.img /nope"

# ---------------------------------------------------------------- create, convert
block create
run "mkfs demo.img 4M"
run "e4inline create demo.img /hello --size 100 --pattern 'hello '"
run "e4inline create demo.img /big --size 129"
run "e4inline create demo.img /big --size 4000 --allow-extents"
run "printf 'listen 8080\\nlog off\\n' >app.conf"
run "e4inline create demo.img /etc/conf/app.conf -p --from app.conf --mode 0600 --uid 1000 --gid 1000"
run "e4inline create demo.img /link --symlink /etc/conf/app.conf"
run "e4inline create demo.img /deep --symlink /a/target/that/is/long/enough/to/be/stored/as/inline/data/in/the/inode"
run "e4inline convert demo.img /hello --to extents"
run "e4inline convert demo.img /big --to inline"
run "e4inline convert --all demo.img --to inline --dry-run"
run "e4inline convert --all demo.img --to inline -z demo.undo"
run "e2undo demo.undo demo.img >/dev/null"

block from-dir
run "mkdir -p tree/sub && printf 'small\\n' >tree/a && printf 'also small\\n' >tree/sub/b && ln -s a tree/link && mkfifo tree/fifo"
run "mkfs tree.img 4M"
run "e4inline create tree.img --from-dir tree"
run "e4inline list tree.img"
run "e4inline inspect tree.img /fifo | grep -E '^(Type|Mode|Storage|Reason):'"

cat >demo.manifest <<'MANIFEST'
# PATH             TYPE     SIZE|@SOURCE|TARGET   MODE
/etc/motd          file     @hello.txt            0644
/data/sixty        file     60
/data/sub          dir      -                     0700
/data/link         symlink  /a/target/of/sixty/bytes/or/more/is/stored/inline/in/the/inode
MANIFEST
printf 'Welcome to the demo image.\n' >hello.txt
block manifest-file
cat demo.manifest

block manifest
run "e4inline create demo.img --manifest demo.manifest --dry-run"

# ---------------------------------------------------------------- verify, craft
block verify
run "mkfs check.img 4M"
run "e4inline create check.img /small --size 3"
run "e4inline create check.img /d --dir"
run "e4inline create check.img /d/f --size 10"
run "e4inline create check.img /long --size 100"
run "e4inline verify check.img"
run "e4inline craft check.img /small size-past-inline"
run "e2fsck -fn check.img >/dev/null 2>&1; echo \$?"
run "e4inline verify check.img"
run "e4inline craft check.img /d dir-entry-inode-unused"
run_head 16 "e4inline verify --json check.img"
