#!/bin/sh
# The man pages format without a warning (groff -ww), and no font macro
# (.B, .BR, ...) has a double quote inside an argument: roff takes a quote
# at the start of an argument as its delimiter, so a literal quote in JSON
# like {"image": ...} silently vanishes; it must be written \(dq.
. "$E4I_SRCDIR/tests/lib.sh"
command -v groff >/dev/null || skip_all "needs groff"

# quote_lint PAGE: print each font macro line with a quote inside an argument.
# Each argument of a font macro: a quoted one must end at a quote that
# is followed by a blank or the end of the line; an unquoted one must
# hold no quote ("" inside a quoted argument is a literal quote).
quote_lint() {
    awk '
    /^\.(B|I|BI|BR|IB|IR|RB|RI|SM|SB)[ \t]/ {
        line = $0; sub(/\\".*/, "", line); sub(/^\.[A-Z]+[ \t]+/, "", line)
        bad = 0; i = 1; n = length(line)
        while (i <= n) {
            c = substr(line, i, 1)
            if (c == " " || c == "\t") { i++; continue }
            if (c == "\"") {
                i++
                while (i <= n) {
                    if (substr(line, i, 2) == "\"\"") { i += 2; continue }
                    if (substr(line, i, 1) == "\"") break
                    i++
                }
                i++
                if (i <= n && substr(line, i, 1) != " " && substr(line, i, 1) != "\t") bad = 1
            } else {
                while (i <= n && substr(line, i, 1) != " " && substr(line, i, 1) != "\t") {
                    if (substr(line, i, 1) == "\"") bad = 1
                    i++
                }
            }
        }
        if (bad) printf "%d: %s\n", NR, $0
    }' "$1"
}

for page in "$E4I_SRCDIR"/man/*.[0-9]; do
    name=${page##*/}
    groff -man -Tutf8 -ww -z "$page" >"$T/warn" 2>&1
    if [ -s "$T/warn" ]; then not_ok "$name formats without warnings"; diag "$(head -10 "$T/warn")"
    else ok "$name formats without warnings"; fi
    quote_lint "$page" >"$T/quotes"
    if [ -s "$T/quotes" ]; then not_ok "$name: no quote inside a font macro argument (write \\(dq)"; diag "$(head -10 "$T/quotes")"
    else ok "$name: no quote inside a font macro argument"; fi
done

# The lint itself finds the mistake it is for.
printf '.TH X 1\n.SH NAME\nx\n.B {"image": 1}\n' >"$T/bad.1"
printf '.TH X 1\n.SH NAME\nx\n.B "two words" ok\n.BR "a ""quoted"" word" ,\n' >"$T/good.1"
[ "$(quote_lint "$T/bad.1")" = '4: .B {"image": 1}' ]
check "the quote lint finds a quote inside an argument" [ $? = 0 ]
[ -z "$(quote_lint "$T/good.1")" ]
check "... and accepts quoted arguments and doubled quotes" [ $? = 0 ]
done_testing
