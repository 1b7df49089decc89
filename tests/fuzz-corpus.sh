#!/bin/bash
# The fuzz harnesses over their seed corpus, built with the ordinary compiler:
# every input, including those that once broke an invariant, must keep them
# all now (tests/fuzz/README says how to fuzz for real). No root needed.
set -u
: "${TESTS_SRCDIR:?make check sets TESTS_SRCDIR}"
: "${RAWTUNE:?make check sets RAWTUNE}"
builddir=$(dirname "$RAWTUNE")/../tests

log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
for harness in profile ports; do
	prog=$builddir/fuzz-$harness-corpus
	corpus=$TESTS_SRCDIR/fuzz/corpus-$harness
	[ -x "$prog" ] || { echo "FAIL: no $prog (make check builds it)"; exit 1; }
	# each input's name goes to stderr before it runs: the last one named broke
	if "$prog" "$corpus" 2>"$log"; then
		echo "ok: fuzz-$harness over corpus-$harness"
	else
		tail -n 20 "$log"
		echo "FAIL: fuzz-$harness: the last input named above broke an invariant or crashed"
		status=1
	fi
done
exit $status
