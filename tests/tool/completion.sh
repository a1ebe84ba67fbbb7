#!/bin/sh
# Bash completion: the script the tool writes (and make installs) completes
# command names and each command's long options, as bash itself runs it.
. "$E4I_SRCDIR/tests/lib.sh"

command -v bash >/dev/null || skip_all "needs bash"
"$E4INLINE" --complete-bash >"$T/e4inline.bash"
check "--complete-bash writes a script" [ -s "$T/e4inline.bash" ]
check "the script is valid bash" bash -n "$T/e4inline.bash"
if [ -f "$E4I_BUILDDIR/misc/e4inline-completion.bash" ]; then
    check "the build's completion file is what the tool writes" \
        cmp -s "$T/e4inline.bash" "$E4I_BUILDDIR/misc/e4inline-completion.bash"
fi

# complete WORD...: what the completion function offers for the last WORD of
# the command line "e4inline WORD...", one candidate a line, sorted.
complete_words() {
    bash -c '. "$1"; shift; COMP_WORDS=(e4inline "$@"); COMP_CWORD=$#; COMP_LINE="e4inline $*"
             _e4inline; printf "%s\n" "${COMPREPLY[@]}" | sort' bash "$T/e4inline.bash" "$@"
}

check "e4inline ins completes to inspect" [ "$(complete_words ins)" = inspect ]
check "e4inline c offers cat, convert, craft, create, crosscheck" \
    [ "$(complete_words c | tr '\n' ' ')" = "cat convert craft create crosscheck " ]
check "e4inline inspect --j completes to --json" [ "$(complete_words inspect --j)" = --json ]
check "e4inline verify --co completes to --codes" [ "$(complete_words verify --co)" = --codes ]
check "an image command offers --partition (cat)" [ "$(complete_words cat --pa)" = --partition ]
check "an image command offers --partition (craft)" [ "$(complete_words craft --pa)" = --partition ]
check "a mountpoint command does not offer --partition" [ -z "$(complete_words stress --pa)" ]
check "e4inline help con completes to convert" [ "$(complete_words help con)" = convert ]
check "e4inline create --dry completes to --dry-run" [ "$(complete_words create --dry)" = --dry-run ]
check "an unknown command offers nothing" [ -z "$(complete_words frobnicate --j)" ]
check "every command of e4inline --help is offered" \
    [ "$(complete_words '' | grep -v '^-' | grep -v '^help$' | tr '\n' ' ')" = \
      "$("$E4INLINE" --help | sed -n '/^Commands:/,/^$/p' | awk 'NF > 1 { print $1 }' | sort | tr '\n' ' ')" ]
done_testing
