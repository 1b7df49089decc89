#!/bin/bash
# --netns NAME, before or after any command, runs it in the namespace that
# "ip netns add NAME" made, as "ip -n NAME" does: apply writes there and
# nowhere else, status, stats and remove read there; a bad or unknown
# name is one "rawtune:" line and changes nothing. The test itself runs in
# a private namespace, so a --netns that went unheeded cannot reach the
# machine's own tables.
. "${TESTS_SRCDIR:?make check sets TESTS_SRCDIR}/lib.sh"
need_root_and unshare ip iptables-legacy-save ip6tables-legacy-save
enter_netns "$@"
trap netns_cleanup EXIT
netns_add A a

"$RAWTUNE" --netns "$A" apply -q web || fail "--netns A apply web failed"
ip netns exec "$A" iptables-legacy-save -t raw | grep -q '"rawtune:web"' ||
	fail "--netns A apply web: no rule in A"
save_all | grep -q 'rawtune:' && fail "--netns A apply web wrote in the test's own namespace"
pass "--netns NAME before the command: apply writes in NAME only"

"$RAWTUNE" status --netns "$A" | grep -q '^web: applied' || fail "status --netns A does not see web"
"$RAWTUNE" status | grep -qx 'no profile applied' || fail "status without --netns sees web"
"$RAWTUNE" stats --netns="$A" | grep -q '^  web: ' || fail "stats --netns=A does not see web"
"$RAWTUNE" remove web --netns "$A" -j | grep -q '"removed":8' || fail "remove --netns A removed other than 8 (4 raw rules a family)"
ip netns exec "$A" iptables-legacy-save | grep -q 'rawtune:' && fail "remove --netns A left rules in A"
pass "--netns NAME (or --netns=NAME) after the command: status, stats and remove in NAME"

for args in "--netns nosuch-$$ apply web" "--netns ../x apply web" "apply web --netns" \
	"--netns $A --netns $A status"; do
	# shellcheck disable=SC2086 # the words
	"$RAWTUNE" $args >"$TEST_TMP/out" 2>"$TEST_TMP/err" && fail "rawtune $args succeeded"
	grep -v "^Try 'rawtune" "$TEST_TMP/err" >"$TEST_TMP/err1"
	[ "$(wc -l <"$TEST_TMP/err1")" -eq 1 ] && grep -q '^rawtune: ' "$TEST_TMP/err1" ||
		fail "rawtune $args: want one 'rawtune:' line, got: $(cat "$TEST_TMP/err")"
	[ -s "$TEST_TMP/out" ] && fail "rawtune $args printed: $(cat "$TEST_TMP/out")"
done
save_all | grep -q 'rawtune:' && fail "a bad --netns changed rules"
pass "bad --netns: $(cat "$TEST_TMP/err1")"
