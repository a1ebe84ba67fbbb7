#!/bin/sh
# The installed library's interface: libe4inline.so exports the C API of
# e4inline/e4inline.h and the C++ API of the other installed headers, and
# nothing else (no engine, no std::, nlohmann or fmt instantiation: see
# lib/libe4inline.map); the installed headers stand alone, without
# libext2fs' or nlohmann's headers; the SONAME is libe4inline.so.0.
. "$E4I_SRCDIR/tests/lib.sh"
so=$E4I_BUILDDIR/lib/.libs/libe4inline.so
[ -f "$so" ] || skip_all "no $so (built with --disable-shared?)"
command -v nm >/dev/null || skip_all "no nm (Debian: binutils)"

# ------------------------------------------------------------ symbols
# "TYPE NAME@@VERSION", demangled; the version node itself (type A) left out.
nm -DC --defined-only "$so" | sed 's/^[0-9a-f]* //' | grep -v '^A ' >"$T/syms"
nm -D --defined-only "$so" | sed 's/^[0-9a-f]* //' | grep -v '^A ' >"$T/raw"
diag "nm -D --defined-only exports $(wc -l <"$T/raw") symbols ($(grep -c ' e4i_' "$T/raw") of the C API)"
sed 's/^. //; s/@@*E4INLINE_0$//' "$T/syms" >"$T/names"

check "every exported name is e4i_* or e4inline::" sh -c "! grep -v -e '^e4i_' -e '^e4inline::' '$T/names' >'$T/other'"
sed 's/^/# other: /' "$T/other" | head -20
for bad in 'e4inline::stress' 'detail::' 'nlohmann' 'fmt::' 'typeinfo' 'vtable'; do
    check "no exported name mentions $bad" sh -c "! grep -F -e '$bad' '$T/names' | sed 's/^/# /' | head -5 | grep ."
done
# Names from the engines and the private headers, which the tool links statically.
for priv in verify scan_inline_inodes craft_ mount_table list_dir commit_staged staged_io undo_file crosscheck; do
    check "no exported name is private: e4inline::$priv" sh -c "! grep -q '^e4inline::$priv' '$T/names'"
done
check "no exported name begins with std::" sh -c "! grep -q '^std::' '$T/names'"
check "every exported symbol carries the version E4INLINE_0" sh -c "! grep -v '@@E4INLINE_0\$' '$T/raw' | grep -q ."

# Every function the C header declares, exported as a function (T).
sed -n 's/^E4I_EXPORT .*[ *]\(e4i_[a-z_]*\)(.*/\1/p' "$E4I_SRCDIR/lib/e4inline/e4inline.h" | sort -u >"$T/declared"
diag "e4inline.h declares $(wc -l <"$T/declared") functions"
check "e4inline.h declares the C API with E4I_EXPORT" [ "$(wc -l <"$T/declared")" -ge 17 ]
sed -n 's/^T \(e4i_[a-z_]*\)@@E4INLINE_0$/\1/p' "$T/raw" | sort -u >"$T/exported"
check "every e4i_* function of e4inline.h is exported, and no other e4i_*" cmp -s "$T/declared" "$T/exported"
diff "$T/declared" "$T/exported" | sed 's/^/# /'

# Every free function the C++ headers declare with E4I_EXPORT, exported: the
# export list names them by hand, and a new one left out of it would link
# nowhere but inside the tree.
sed 's/^[A-Za-z] //' "$T/syms" >"$T/demangled"
for h in "$E4I_SRCDIR"/lib/e4inline/*.hpp; do
    sed -n 's/^E4I_EXPORT .*[ *&]\([a-z_][a-z_0-9]*\)(.*/\1/p' "$h"
done | sort -u >"$T/cxx-declared"
: >"$T/cxx-missing"
for f in $(cat "$T/cxx-declared"); do
    grep -q "^e4inline::$f[[(]" "$T/demangled" || echo "$f" >>"$T/cxx-missing"
done
diag "the C++ headers declare $(wc -l <"$T/cxx-declared") exported free functions"
check "every E4I_EXPORT function of lib/e4inline/*.hpp is exported" [ ! -s "$T/cxx-missing" -a -s "$T/cxx-declared" ]
sed 's/^/# missing: /' "$T/cxx-missing"

# ------------------------------------------------------------ SONAME
soname=$(objdump -p "$so" 2>/dev/null | sed -n 's/^ *SONAME *//p')
check "the SONAME is libe4inline.so.0 (it is $soname)" [ "$soname" = libe4inline.so.0 ]

# ------------------------------------------------------------ headers
# The installed headers, as the build's Makefile lists them.
sed -n '/^e4inlineinc_HEADERS = /,/[^\\]$/p' "$E4I_BUILDDIR/Makefile" | tr ' \\\t' '\n\n\n' |
    grep '^lib/e4inline/' >"$T/headers"
diag "installed headers: $(tr '\n' ' ' <"$T/headers")"
check "the installed headers are lib/e4inline/*" [ "$(wc -l <"$T/headers")" -ge 8 ]
for h in $(cat "$T/headers"); do
    check "$h includes neither libext2fs' nor nlohmann's headers" \
        sh -c "! grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*[<\"](ext2fs|et|nlohmann)/' '$E4I_SRCDIR/$h'"
    # Alone, with nothing on the include path but the headers' own directory.
    printf '#include <%s>\n' "${h#lib/}" >"$T/one.src"
    case $h in
    *.h) cc -std=c99 -Wall -Wextra -Werror -fsyntax-only -I"$E4I_SRCDIR/lib" -x c "$T/one.src" >"$T/cc.log" 2>&1 ;;
    *) c++ -std=c++23 -Wall -Wextra -Werror -fsyntax-only -I"$E4I_SRCDIR/lib" -x c++ "$T/one.src" >"$T/cc.log" 2>&1 ;;
    esac
    check "$h compiles alone" [ $? = 0 ]
    sed 's/^/# /' "$T/cc.log" | head -10
done

# ------------------------------------------------------------ C++ API
# A C++ program built against the shared library alone (no engine, no
# libext2fs flags) reads and describes an inline file through the C++ API.
mkdir -p "$T/img"
printf 'inline through the C++ API\n' >"$T/img/hello"
mkimg "$T/a.img" 4M -d "$T/img"
cat >"$T/prog.cpp" <<'EOF'
#include <cstdio>
#include <string>

#include <e4inline/filesystem.hpp>
#include <e4inline/inspect.hpp>
#include <e4inline/layout.hpp>

int main(int argc, char** argv) {
    if (argc != 3)
        return 16;
    auto fs = e4inline::Filesystem::open(argv[1]);
    if (!fs) {
        std::fprintf(stderr, "%s\n", fs.error().message().c_str());
        return fs.error().exit_code();
    }
    auto in = e4inline::inspect(*fs, argv[2]);
    if (!in) {
        std::fprintf(stderr, "%s\n", in.error().message().c_str());
        return in.error().exit_code();
    }
    auto data = fs->read_content(in->ref, in->layout);
    if (!data)
        return data.error().exit_code();
    std::fwrite(data->data(), 1, data->size(), stdout);
    std::printf("storage %s\n", e4inline::storage_name(in->layout.storage));
    const std::string json = e4inline::inspect_json_text(*in, false);
    std::printf("json %s\n", json.find("\"inline_size\"") != std::string::npos ? "has inline_size" : "lacks inline_size");
    return fs->close() ? 0 : 8;
}
EOF
# The build's own flags come along: a sanitizer tree's library needs its
# runtime on the link line.
# shellcheck disable=SC2086
c++ -std=c++23 -Wall -Wextra -Werror ${E4I_CXXFLAGS-} ${E4I_LDFLAGS-} -I"$E4I_SRCDIR/lib" -o "$T/prog" "$T/prog.cpp" \
    -L"$E4I_BUILDDIR/lib/.libs" -le4inline -Wl,-rpath,"$E4I_BUILDDIR/lib/.libs" >"$T/cxx.log" 2>&1
check "a C++ program links against libe4inline.so alone" [ $? = 0 ]
sed 's/^/# /' "$T/cxx.log" | head -20
"$T/prog" "$T/a.img" /hello >"$T/prog.out" 2>&1
printf 'inline through the C++ API\nstorage inline\njson has inline_size\n' >"$T/prog.expected"
expect_output "it reads and describes an inline file through the exported C++ API" "$T/prog.expected" "$T/prog.out"
done_testing
