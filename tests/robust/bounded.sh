#!/bin/sh
. "$E4I_SRCDIR/tests/lib.sh"
skip_all "todo"
