#!/bin/sh
# The README's tour is what the tool prints: tests/tour/tour.sh runs every
# example on images it builds with fixed parameters, and each block of
# README.md marked <!-- tour: NAME --> must equal the tour's block NAME ("..."
# in the README stands for lines left out). On a difference the diff is shown;
# `make update-readme` (tests/tour/update-readme) rewrites the blocks.
. "$E4I_SRCDIR/tests/lib.sh"
for tool in python3 jq mke2fs e2fsck e2undo mkfifo; do
    command -v $tool >/dev/null || skip_all "needs $tool"
done
tour=$E4I_SRCDIR/tests/tour
sh "$tour/tour.sh" >"$T/tour.out" 2>"$T/tour.err"
check "the tour runs to its end" [ $? = 0 ] && [ ! -s "$T/tour.err" ]
[ -s "$T/tour.err" ] && diag "$(head -5 "$T/tour.err")"

python3 "$tour/update-readme" --check --tour "$T/tour.out" "$E4I_SRCDIR/README.md" >"$T/check" 2>&1
rc=$?
if [ $rc = 0 ]; then ok "README.md quotes exactly what the tour prints"
else not_ok "README.md quotes exactly what the tour prints (make update-readme rewrites it)"; sed 's/^/# /' "$T/check" | head -80; fi

# The same tour twice gives the same output: the README can quote it.
sh "$tour/tour.sh" >"$T/tour2.out" 2>&1
cmp -s "$T/tour.out" "$T/tour2.out"
check "the tour prints the same thing on every run" [ $? = 0 ] || diag "$(diff "$T/tour.out" "$T/tour2.out" | head -10)"

# The comparison itself: "..." stands for lines, anything else must be equal.
printf '@@ x\n$ cmd\none\ntwo\nthree\n' >"$T/t.out"
for quoted in 'one two three' 'one ... three' '... three' 'one ...' '... one two three' '...'; do
    { echo '<!-- tour: x -->'; echo '```'; echo '$ cmd'; printf '%s\n' $quoted; echo '```'; } >"$T/r.md"
    python3 "$tour/update-readme" --check --tour "$T/t.out" "$T/r.md" >/dev/null 2>&1
    check "a block '$quoted' matches one two three" [ $? = 0 ]
done
for quoted in 'one two' 'one ... four' 'two three' 'one three'; do
    { echo '<!-- tour: x -->'; echo '```'; echo '$ cmd'; printf '%s\n' $quoted; echo '```'; } >"$T/r.md"
    python3 "$tour/update-readme" --check --tour "$T/t.out" "$T/r.md" >/dev/null 2>&1
    check "a block '$quoted' does not match one two three" [ $? = 1 ]
done
{ echo 'text'; echo '<!-- tour: x -->'; echo '```'; echo 'old'; echo '```'; echo 'more'; } >"$T/r.md"
python3 "$tour/update-readme" --tour "$T/t.out" "$T/r.md" >/dev/null 2>&1
printf 'text\n<!-- tour: x -->\n```\n$ cmd\none\ntwo\nthree\n```\nmore\n' >"$T/want.md"
check "update-readme rewrites the block and nothing else" cmp -s "$T/r.md" "$T/want.md"
done_testing
