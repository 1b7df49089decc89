#!/bin/bash
# Names read back from rule comments are not trusted: anyone who may change
# the tables may tag a rule "rawtune:../../x" or put a line feed or a quote
# in the name. status, stats, watch and their JSON and Prometheus forms must
# keep every line whole, and no such name may reach a path under the run
# directory.
. "${TESTS_SRCDIR:?make check sets TESTS_SRCDIR}/lib.sh"
need_root_and unshare iptables-legacy python3
enter_netns "$@"

"$RAWTUNE" apply web --port 80 >/dev/null || fail "apply web failed"
# A record one directory above the run directory, where "../../x" would lead
# from RUN/NAMESPACE/: the time 1000 must never show up as when x was applied.
mkdir -p "$RAWTUNE_RUN_DIR"
echo 1000 >"$TEST_TMP/x"
for name in '../../x' $'nl\nINJECTED' 'q"uote\x' $'tab\tbell\a'; do
	iptables-legacy -t raw -A RAWTUNE-PREROUTING -p udp --dport 9 \
		-m comment --comment "rawtune:$name" -j CT --notrack ||
		fail "cannot add a rule for '$name'"
done

# no_injected FILE WHAT: no line of FILE starts with what followed a line feed
no_injected() {
	grep -q '^INJECTED' "$1" && fail "$2: a name split a line: $(cat "$1")"
	grep -q $'[\a\t]bell' "$1" && fail "$2: a control character came through"
	pass "$2 keeps its lines whole"
}

"$RAWTUNE" status >"$TEST_TMP/status" || fail "status failed"
no_injected "$TEST_TMP/status" status
grep -qF 'nl\x0aINJECTED: unknown, ipv4, 1 rule' "$TEST_TMP/status" ||
	fail "status does not show the escaped name: $(cat "$TEST_TMP/status")"
"$RAWTUNE" stats >"$TEST_TMP/stats" || fail "stats failed"
no_injected "$TEST_TMP/stats" stats
grep -E '^  \.\./\.\./x: ' "$TEST_TMP/stats" | grep -q 'unknown time' ||
	fail "stats read a time for ../../x: $(cat "$TEST_TMP/stats")"
"$RAWTUNE" watch --count 1 >"$TEST_TMP/watch" || fail "watch failed"
no_injected "$TEST_TMP/watch" watch

for cmd in "status --json" "stats --json" "watch --count 1 --json" "profiles --json"; do
	# shellcheck disable=SC2086 # $cmd is the command and its options
	"$RAWTUNE" $cmd >"$TEST_TMP/json" || fail "$cmd failed"
	python3 -c 'import json, sys
for line in open(sys.argv[1]):
    json.loads(line)' "$TEST_TMP/json" || fail "$cmd: not one JSON text a line: $(cat "$TEST_TMP/json")"
	no_injected "$TEST_TMP/json" "$cmd"
done
"$RAWTUNE" stats --json | python3 -c 'import json, sys
for p in json.load(sys.stdin)["profiles"]:
    if p["name"] == "../../x" and p["seconds"] is not None:
        sys.exit("applied read through ../../x: %r" % p)' || fail "stats --json read outside the run directory"

for cmd in "watch --count 1" "stats"; do
	# shellcheck disable=SC2086 # $cmd is the command and its options
	"$RAWTUNE" $cmd --prometheus "$TEST_TMP/rawtune.prom" >/dev/null ||
		fail "$cmd --prometheus failed"
	no_injected "$TEST_TMP/rawtune.prom" "$cmd --prometheus"
	grep -vE '^(# (HELP|TYPE) [a-z_]+ .*|[a-z_]+(\{[a-z]+="([^"\\]|\\["\\n])*"(,[a-z]+="([^"\\]|\\["\\n])*")*\})? [0-9]+)$' \
		"$TEST_TMP/rawtune.prom" && fail "$cmd --prometheus: lines outside the exposition format"
	grep -qF 'rawtune_profile_saved_entries_total{profile="q\"uote\\x5cx"}' "$TEST_TMP/rawtune.prom" ||
		fail "$cmd --prometheus: the quote is not escaped: $(grep uote "$TEST_TMP/rawtune.prom")"
done
pass "watch and stats --prometheus: every line in the exposition format"

# Nothing was written outside the run directory, nor read from there.
[ "$(cat "$TEST_TMP/x")" = 1000 ] || fail "$TEST_TMP/x changed"
"$RAWTUNE" remove --all >/dev/null || fail "remove --all failed"
[ "$(cat "$TEST_TMP/x")" = 1000 ] || fail "remove --all touched $TEST_TMP/x"
pass "names from comments stay out of paths"
