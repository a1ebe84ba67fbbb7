# Shared helpers for e4inline's shell tests. Every test speaks TAP:
#   ok N - name / not ok N - name / ok N - name # SKIP reason, then 1..N.
# Source it from a test:  . "$E4I_SRCDIR/tests/lib.sh"

: "${E4I_SRCDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${E4I_BUILDDIR:=$E4I_SRCDIR/build}"
: "${E4INLINE:=$E4I_BUILDDIR/misc/e4inline}"
PATH=$PATH:/sbin:/usr/sbin
export PATH LC_ALL=C

tap_n=0
tap_failed=0
T=$(mktemp -d "${TMPDIR:-/tmp}/e4i-test.XXXXXX") || exit 99

# Cleanup actions run at exit in reverse order of registration: unmounts,
# loop detaches, thaws. Registered with on_exit 'command'.
e4i_cleanup_cmds=""
on_exit() { e4i_cleanup_cmds="$1
$e4i_cleanup_cmds"; }
e4i_run_cleanup() {
    printf '%s\n' "$e4i_cleanup_cmds" | while IFS= read -r c; do
        [ -n "$c" ] && eval "$c" >/dev/null 2>&1
    done
    rm -rf "$T"
}
trap 'e4i_run_cleanup' EXIT
trap 'exit 130' INT TERM

ok()      { tap_n=$((tap_n + 1)); echo "ok $tap_n - $*"; }
not_ok()  { tap_n=$((tap_n + 1)); tap_failed=$((tap_failed + 1)); echo "not ok $tap_n - $*"; }
skip()    { tap_n=$((tap_n + 1)); echo "ok $tap_n - $1 # SKIP $2"; }
diag()    { printf '%s\n' "$@" | sed 's/^/# /'; }
# check NAME COMMAND...: one TAP line for a command's success.
check()   { name=$1; shift; if "$@"; then ok "$name"; else not_ok "$name"; fi; }
# expect_error NAME CODE PATTERN COMMAND...: the command exits CODE within 60 s
# (an endless read or a hang is killed by timeout: exit 124) with exactly one
# line on stderr, matching PATTERN. Its output stays in $T/out and $T/err.
expect_error() {
    name=$1 code=$2 pattern=$3; shift 3
    timeout 60 "$@" >"$T/out" 2>"$T/err"; rc=$?
    lines=$(wc -l <"$T/err")
    if [ $rc = "$code" ] && [ "$lines" = 1 ] && grep -q -- "$pattern" "$T/err"; then
        ok "$name (exit $code)"
    else
        not_ok "$name: want exit $code and one line matching '$pattern'; got exit $rc, $lines lines"
        diag "$(head -5 "$T/err")"
    fi
}
done_testing() { echo "1..$tap_n"; exit 0; }
# skip_all REASON: the whole script cannot run here (exit 77 semantics in TAP).
skip_all() { echo "1..0 # SKIP $*"; exit 0; }

# require_root_loop: skip the whole script unless root with working loop devices.
require_root_loop() {
    [ "$(id -u)" = 0 ] || skip_all "needs root"
    command -v losetup >/dev/null || skip_all "needs losetup (util-linux)"
    [ -e /dev/loop-control ] || modprobe loop 2>/dev/null
    [ -e /dev/loop-control ] || skip_all "no loop device support (/dev/loop-control missing)"
    grep -qw ext4 /proc/filesystems || modprobe ext4 2>/dev/null
    grep -qw ext4 /proc/filesystems || skip_all "kernel has no ext4"
}

# mkimg IMAGE [SIZE] [mke2fs options...]: a fresh ext4 image with inline_data.
mkimg() {
    img=$1; size=${2:-8M}; shift; [ $# -gt 0 ] && shift
    rm -f "$img"
    mke2fs -q -F -t ext4 -O inline_data -E lazy_itable_init=0,root_owner=0:0 "$@" "$img" "$size" >/dev/null 2>&1
}

# fsck_clean IMAGE: e2fsck -fn finds nothing (exit 0); prints its output otherwise.
fsck_clean() {
    out=$(e2fsck -fn "$1" 2>&1); rc=$?
    [ $rc -eq 0 ] && return 0
    diag "e2fsck -fn $1 exited $rc:" "$out"
    return 1
}

# mount_loop IMAGE DIR: loop-mount with cleanup registered; sets MNT_LOOP.
mount_loop() {
    mkdir -p "$2"
    mount -o loop "$1" "$2" || return 1
    on_exit "umount '$2'"
}

# same_bytes A B: cmp, with a diagnostic on difference.
same_bytes() {
    cmp "$1" "$2" >/dev/null 2>&1 && return 0
    diag "bytes differ: $1 vs $2" "$(cmp "$1" "$2" 2>&1 | head -3)"
    return 1
}

# expect_output NAME EXPECTED_FILE ACTUAL_FILE: diff against the golden file.
# E4I_UPDATE=1 rewrites the golden file instead.
expect_output() {
    if [ "${E4I_UPDATE:-0}" = 1 ]; then
        cp "$3" "$2"; ok "$1 (updated)"; return
    fi
    if diff -u "$2" "$3" >"$T/diff" 2>&1; then ok "$1"; else not_ok "$1"; sed 's/^/# /' "$T/diff" | head -40; fi
}

# pattern_file FILE SIZE [SEED]: deterministic, non-repeating-ish content.
pattern_file() {
    awk -v n="$2" -v s="${3:-1}" 'BEGIN { for (i = 0; i < n; i++) printf "%c", 33 + (i * 7 + s * 13) % 94 }' >"$1"
}
