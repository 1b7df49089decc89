#!/bin/sh
# End-to-end test: scripts/experiment with the built rawtune.
#
# A server namespace behind a stateful firewall is loaded with
# `ab -c 1000 -n 5000`, once without and once with `rawtune apply web --port 80`.
# Without the profile every connection leaves a conntrack entry; with it none
# may (at most 1), and every request must still succeed. `rawtune remove web`
# must then leave no rawtune rule or chain behind.
#
# Environment (from Makefile.am): RAWTUNE, TESTS_SRCDIR.
# Exit: 0 pass, 1 fail, 77 skip.
set -u

REQUESTS=5000
MIN_ENTRIES_WITHOUT=4000
MAX_ENTRIES_WITH=1

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }

[ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces, iptables, nginx)"
for cmd in nginx ab ip iptables-legacy-restore iptables-legacy-save conntrack ss; do
	command -v "$cmd" >/dev/null 2>&1 ||
		skip "$cmd not found (scripts/check --deps-only installs it)"
done
unshare -n true 2>/dev/null || skip "cannot create network namespaces here"

if [ -z "${RAWTUNE:-}" ] || [ ! -x "$RAWTUNE" ]; then
	fail "RAWTUNE='${RAWTUNE:-}' is not an executable"
fi
[ -n "${TESTS_SRCDIR:-}" ] || fail "TESTS_SRCDIR is not set"
experiment=$TESTS_SRCDIR/../scripts/experiment
[ -x "$experiment" ] || fail "$experiment is not executable"

result=$(mktemp "${TMPDIR:-/tmp}/rawtune-experiment-result.XXXXXX") || fail "mktemp"
trap 'rm -f "$result"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

echo "Running: RAWTUNE_EXPERIMENT_RESULT=$result $experiment $RAWTUNE"
RAWTUNE_EXPERIMENT_RESULT=$result RAWTUNE_EXPERIMENT_REQUESTS=$REQUESTS \
	timeout -s TERM 60 "$experiment" "$RAWTUNE"
rc=$?
[ "$rc" -eq 0 ] || fail "the experiment exited with status $rc"

echo
echo "Results file:"
sed 's/^/    /' "$result"
echo

# field RUN KEY: the value of KEY= on the line of RUN ("without" or "with").
field() {
	awk -v run="$1" -v key="$2" '
		$1 == run { for (i = 2; i <= NF; i++) if (index($i, key "=") == 1) print substr($i, length(key) + 2) }
	' "$result"
}
number() {
	case $1 in
	'' | *[!0-9]*) fail "$2 is not a number: '$1'" ;;
	esac
}

without_entries=$(field without entries)
with_entries=$(field with entries)
with_complete=$(field with complete)
with_failed=$(field with failed)
removed_left=$(field removed left)
number "$without_entries" "entries without rawtune"
number "$with_entries" "entries with rawtune"
number "$with_complete" "complete requests with rawtune"
number "$with_failed" "failed requests with rawtune"
number "$removed_left" "rawtune rules left after remove"

status=0
check() { # DESCRIPTION TEST-ARGS...
	desc=$1
	shift
	if [ "$@" ]; then
		echo "ok:   $desc"
	else
		echo "FAIL: $desc"
		status=1
	fi
}
check "without rawtune: $without_entries conntrack entries >= $MIN_ENTRIES_WITHOUT" \
	"$without_entries" -ge "$MIN_ENTRIES_WITHOUT"
check "with rawtune: $with_entries conntrack entries <= $MAX_ENTRIES_WITH" \
	"$with_entries" -le "$MAX_ENTRIES_WITH"
check "with rawtune: $with_complete complete requests = $REQUESTS" \
	"$with_complete" -eq "$REQUESTS"
check "with rawtune: $with_failed failed requests = 0" \
	"$with_failed" -eq 0
check "after rawtune remove web: $removed_left rawtune rules or chains left = 0" \
	"$removed_left" -eq 0
exit "$status"
