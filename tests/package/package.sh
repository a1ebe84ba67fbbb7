#!/bin/sh
# The Debian packages, as a user gets them: dpkg-buildpackage from a clean
# export of the source, the three .debs unpacked into a scratch root (dpkg -x,
# no root needed), the installed tool run, a C program and a C++ program built
# against the installed library with nothing but pkg-config, and lintian.
# The source tree is never written: the build happens in a copy.
. "$E4I_SRCDIR/tests/lib.sh"

# quickstart check runs the suite a second time in a sanitizer tree; the
# package build takes nothing from the build tree, so it runs once.
if [ -f "$E4I_BUILDDIR/config.status" ] && grep -q -- '-fsanitize' "$E4I_BUILDDIR/config.status"; then
    skip_all "sanitizer build tree: the package is built and checked from the plain tree"
fi
for t in dpkg-buildpackage dpkg-checkbuilddeps dh dpkg-deb; do
    command -v "$t" >/dev/null || skip_all "$t not found (Debian: dpkg-dev, debhelper)"
done
[ -f "$E4I_SRCDIR/debian/control" ] || skip_all "no debian/ in $E4I_SRCDIR"

# ------------------------------------------------------------ clean export
# A git checkout exports its tracked files as they are in the work tree
# (committed or not, so the test checks what is about to be committed); an
# unpacked release tarball is already clean and is copied whole.
src=$T/src/e4inline
mkdir -p "$src"
in_git() {
    [ "$(git -C "$E4I_SRCDIR" rev-parse --show-toplevel 2>/dev/null)" = "$(cd "$E4I_SRCDIR" && pwd -P)" ]
}
# (A distcheck tree unpacked inside a checkout's build/ is not the checkout.)
if in_git; then
    status_before=$(git -C "$E4I_SRCDIR" status --porcelain 2>&1)
    (cd "$E4I_SRCDIR" && git ls-files -z | tar --null --ignore-failed-read -T - -cf - 2>/dev/null) |
        tar -C "$src" -xf - || skip_all "git ls-files | tar failed in $E4I_SRCDIR"
    export_kind="tracked files of $(git -C "$E4I_SRCDIR" rev-parse --short HEAD) and their work-tree changes"
else
    status_before=""
    (cd "$E4I_SRCDIR" && tar --exclude=./build --exclude='./build-*' --exclude=./autom4te.cache -cf - .) |
        tar -C "$src" -xf - || skip_all "cannot copy $E4I_SRCDIR"
    chmod -R u+w "$src"
    export_kind="a copy of $E4I_SRCDIR"
fi
diag "building from $export_kind"
(cd "$src" && dpkg-checkbuilddeps) >"$T/builddeps" 2>&1 ||
    skip_all "build dependencies missing: $(tr '\n' ' ' <"$T/builddeps")"

# ------------------------------------------------------------ build
# nocheck by default: the package's own test run is a subset of this suite.
# E4I_PACKAGE_CHECK=1 runs it as well. The make variables of the make that
# runs this test (TESTS=..., the jobserver) must not reach the package build.
opts="parallel=$(nproc 2>/dev/null || echo 2)"
[ "${E4I_PACKAGE_CHECK:-0}" = 1 ] || opts="nocheck $opts"
start=$(date +%s)
(cd "$src" && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u MAKEOVERRIDES -u TESTS \
    -u E4INLINE -u E4I_SRCDIR -u E4I_BUILDDIR DEB_BUILD_OPTIONS="$opts" \
    dpkg-buildpackage -us -uc -b) >"$T/build.log" 2>&1
rc=$?
diag "dpkg-buildpackage -us -uc -b (DEB_BUILD_OPTIONS=$opts): exit $rc after $(( $(date +%s) - start )) s"
if [ $rc -ne 0 ]; then
    not_ok "dpkg-buildpackage -us -uc -b builds the packages"
    tail -40 "$T/build.log" | sed 's/^/# /'
    done_testing
fi
ok "dpkg-buildpackage -us -uc -b builds the packages"

version=$(cd "$src" && dpkg-parsechangelog -S Version)
arch=$(dpkg-architecture -qDEB_HOST_ARCH)
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
missing=""
for p in e4inline libe4inline0 libe4inline-dev; do
    [ -f "$T/src/${p}_${version}_${arch}.deb" ] || missing="$missing $p"
done
check "the three binary packages exist (e4inline, libe4inline0, libe4inline-dev)" [ -z "$missing" ]
[ -z "$missing" ] || { diag "missing:$missing" "$(ls "$T/src")"; done_testing; }

status_after=$status_before
in_git && status_after=$(git -C "$E4I_SRCDIR" status --porcelain 2>&1)
check "the source tree is left as it was (git status before and after)" [ "$status_before" = "$status_after" ]
[ "$status_before" = "$status_after" ] || diag "before:" "$status_before" "after:" "$status_after"

# ------------------------------------------------------------ contents
deb() { echo "$T/src/${1}_${version}_${arch}.deb"; }
dpkg-deb -c "$(deb e4inline)" >"$T/c-tool"
dpkg-deb -c "$(deb libe4inline0)" >"$T/c-lib"
dpkg-deb -c "$(deb libe4inline-dev)" >"$T/c-dev"
check "e4inline ships the tool, e4inline-vm and their man pages" \
    sh -c "grep -q ' ./usr/sbin/e4inline\$' '$T/c-tool' && grep -q ' ./usr/sbin/e4inline-vm\$' '$T/c-tool' &&
           grep -q 'man8/e4inline.8.gz\$' '$T/c-tool' && grep -q 'man8/e4inline-vm.8.gz\$' '$T/c-tool'"
check "e4inline ships the bash completion script" grep -q ' ./usr/share/bash-completion/completions/e4inline$' "$T/c-tool"
check "libe4inline0 ships the shared library and nothing for development" \
    sh -c "grep -q 'usr/lib/$multiarch/libe4inline.so.0 -> ' '$T/c-lib' &&
           ! grep -qE 'include/|\\.so\$|\\.so -> |pkgconfig|\\.la\$' '$T/c-lib'"
check "libe4inline-dev ships the headers, the .so link, e4inline.pc and libe4inline(3)" \
    sh -c "grep -q 'usr/include/e4inline/e4inline.h\$' '$T/c-dev' && grep -q 'usr/lib/$multiarch/libe4inline.so -> ' '$T/c-dev' &&
           grep -q 'pkgconfig/e4inline.pc\$' '$T/c-dev' && grep -q 'man3/libe4inline.3.gz\$' '$T/c-dev'"
mkdir -p "$T/ctl"
dpkg-deb -e "$(deb libe4inline0)" "$T/ctl"
check "libe4inline0's shlibs ask for exactly this version" \
    grep -qx "libe4inline 0 libe4inline0 (= $version)" "$T/ctl/shlibs"
dep=$(dpkg-deb -f "$(deb e4inline)" Depends)
# The tool links the library's parts statically (as xfsprogs' tools link
# libxfs): libe4inline0 is for other programs, so the tool does not need it.
diag "e4inline Depends: $dep"
check "e4inline does not depend on libe4inline0 (the tool is self-contained)" \
    sh -c "! printf '%s\n' '$dep' | grep -q 'libe4inline'"

# ------------------------------------------------------------ installed
root=$T/root
for p in e4inline libe4inline0 libe4inline-dev; do dpkg -x "$(deb $p)" "$root"; done
libdir=$root/usr/lib/$multiarch
out=$(LD_LIBRARY_PATH=$libdir "$root/usr/sbin/e4inline" --version 2>&1); rc=$?
check "the installed e4inline --version prints $version" \
    sh -c "[ $rc = 0 ] && printf '%s\n' '$out' | grep -q '$version'"
diag "e4inline --version: $out"
check "the installed completion script is the one the installed tool writes" \
    sh -c "LD_LIBRARY_PATH='$libdir' '$root/usr/sbin/e4inline' --complete-bash |
           cmp -s - '$root/usr/share/bash-completion/completions/e4inline'"
check "the installed tool is self-contained: ldd shows no libe4inline" \
    sh -c "LD_LIBRARY_PATH='$libdir' ldd '$root/usr/sbin/e4inline' >'$T/ldd' && ! grep -q libe4inline '$T/ldd'"

# pkg-config from the scratch root: the .pc says prefix=/usr, the sysroot
# puts it under $root; the system's own modules (ext2fs, nlohmann_json)
# come from the default search path.
pc() {
    PKG_CONFIG_SYSROOT_DIR=$root PKG_CONFIG_PATH=$libdir/pkgconfig pkg-config "$@"
}
check "pkg-config finds e4inline $version in the scratch root" [ "$(pc --modversion e4inline 2>&1)" = "$version" ]
diag "pkg-config --cflags --libs e4inline: $(pc --cflags --libs e4inline 2>&1)"

mkdir -p "$T/img"
printf 'hello from an inline file\n' >"$T/img/hello"
mke2fs -q -F -t ext4 -O inline_data -d "$T/img" "$T/a.img" 4M >/dev/null 2>&1
cat >"$T/prog.c" <<'EOF'
#include <e4inline/e4inline.h>
#include <stdio.h>
#include <string.h>
int main(int argc, char **argv) {
    e4i_fs *fs = NULL;
    unsigned char *data = NULL;
    char *json = NULL;
    size_t len = 0;
    if (argc != 3) return 16;
    printf("version %s\n", e4i_version());
    if (e4i_open(argv[1], E4I_OPEN_READONLY, &fs) != 0) { fprintf(stderr, "%s\n", e4i_last_error()); return 8; }
    if (e4i_read(fs, argv[2], &data, &len) != 0) { fprintf(stderr, "%s\n", e4i_last_error()); return 8; }
    fwrite(data, 1, len, stdout);
    e4i_free(data);
    if (e4i_inspect_json(fs, argv[2], &json) != 0) { fprintf(stderr, "%s\n", e4i_last_error()); return 8; }
    printf("json %s\n", strstr(json, "\"inline_size\"") ? "has inline_size" : "lacks inline_size");
    e4i_free(json);
    e4i_close(fs);
    return 0;
}
EOF
# shellcheck disable=SC2046 # pkg-config's words are meant to split
cc -Wall -Werror -o "$T/prog" "$T/prog.c" $(pc --cflags --libs e4inline) >"$T/cc.log" 2>&1
check "a C program builds with cc \$(pkg-config --cflags --libs e4inline) -Wall -Werror" [ $? = 0 ]
sed 's/^/# /' "$T/cc.log" | head -20
LD_LIBRARY_PATH=$libdir "$T/prog" "$T/a.img" /hello >"$T/prog.out" 2>&1
printf 'version %s\nhello from an inline file\njson has inline_size\n' "$version" >"$T/prog.expected"
expect_output "the C program reads an inline file through the installed library" "$T/prog.expected" "$T/prog.out"
check "libe4inline0 is what a C program loads (ldd: libe4inline.so.0 from the packages)" \
    sh -c "LD_LIBRARY_PATH='$libdir' ldd '$T/prog' | grep -q 'libe4inline.so.0 => $libdir/'"

# Every function of the C API (tests/tool/capi_full.c) through the .deb's
# library: it writes, commits and reads back a fresh image.
# shellcheck disable=SC2046
cc -std=c11 -Wall -Wextra -Werror -o "$T/capi-full" "$E4I_SRCDIR/tests/tool/capi_full.c" \
    $(pc --cflags --libs e4inline) >"$T/cc-full.log" 2>&1
check "tests/tool/capi_full.c builds against the packages" [ $? = 0 ]
sed 's/^/# /' "$T/cc-full.log" | head -20
mkimg "$T/w.img" 8M
LD_LIBRARY_PATH=$libdir "$T/capi-full" "$T/w.img" >"$T/capi-full.out" 2>&1
check "every C API function returns what it should through the packaged library" [ $? = 0 ]
grep UNEXPECTED -A1 "$T/capi-full.out" | sed 's/^/# /'
check "e2fsck -fn: the image the packaged C API wrote is clean" fsck_clean "$T/w.img"

# Every installed header compiles in C++ with the module's flags and its
# cxxstd variable (the standard the C++ headers need).
cxxstd=$(pc --variable=cxxstd e4inline)
check "e4inline.pc names the C++ standard (cxxstd=$cxxstd)" [ -n "$cxxstd" ]
(cd "$root/usr/include" && find e4inline -name '*.h*' | sort) | sed 's/.*/#include <&>/' >"$T/all.cpp"
printf 'int main() { return e4i_version()[0] == 0; }\n' >>"$T/all.cpp"
# shellcheck disable=SC2046
c++ $cxxstd -Wall -Werror -o "$T/all" "$T/all.cpp" $(pc --cflags --libs e4inline) >"$T/cxx.log" 2>&1
check "every installed header compiles in C++ with \$(pkg-config --variable=cxxstd --cflags --libs e4inline)" [ $? = 0 ]
sed 's/^/# /' "$T/cxx.log" | head -20
check "that C++ program runs against the installed library" env LD_LIBRARY_PATH="$libdir" "$T/all"

# ------------------------------------------------------------ lintian
if command -v lintian >/dev/null; then
    changes=$T/src/e4inline_${version}_${arch}.changes
    lintian --allow-root "$changes" >"$T/lintian.log" 2>&1
    grep -E '^[EW]: ' "$T/lintian.log" | sed 's/^/# /'
    check "lintian reports no error (E:) on the .changes and its packages" \
        sh -c "! grep -q '^E: ' '$T/lintian.log' && ! grep -qi 'lintian: .*fail\|^internal error' '$T/lintian.log'"
else
    skip "lintian reports no error on the packages" "lintian not installed (Debian: lintian)"
fi
done_testing
