#!/bin/bash
# Rules that rawtune did not make, next to its own: a user's rule inserted
# into a RAWTUNE chain, and a user's jump to a RAWTUNE chain. remove deletes
# rawtune's rules only, keeps the chain and the jumps that the user's rules
# still need, and says so, one notice each; once the user's rules are gone,
# the next remove takes the chains away and the save is as before apply.
. "${TESTS_SRCDIR:?make check sets TESTS_SRCDIR}/lib.sh"
need_root_and unshare iptables-legacy iptables-legacy-save ip6tables-legacy-save
enter_netns "$@"

# The tables exist before apply, as on any host with a firewall.
iptables-legacy -t raw -A PREROUTING -p udp --dport 5060 -j CT --notrack
iptables-legacy -A INPUT -p tcp --dport 22 -j ACCEPT
ip6tables-legacy -t raw -S >/dev/null && ip6tables-legacy -S >/dev/null
save_all >"$TEST_TMP/before"

"$RAWTUNE" apply web --port 80 >/dev/null || fail "apply failed"
user_rule=(RAWTUNE-PREROUTING -p udp --dport 9999 -j CT --notrack)
user_jump=(INPUT -p tcp --dport 81 -j RAWTUNE-INPUT)
iptables-legacy -t raw -I "${user_rule[@]}" || fail "the user's rule in RAWTUNE-PREROUTING"
iptables-legacy -A "${user_jump[@]}" || fail "the user's jump to RAWTUNE-INPUT"

"$RAWTUNE" remove web >"$TEST_TMP/out" 2>"$TEST_TMP/err" ||
	fail "remove failed: $(cat "$TEST_TMP/err")"
grep -qx 'rawtune: kept RAWTUNE-PREROUTING (ipv4 raw) and the jump to it: it holds 1 rule(s) not made by rawtune' \
	"$TEST_TMP/err" &&
	grep -qx 'rawtune: kept the empty chain RAWTUNE-INPUT (ipv4 filter): 1 rule(s) not made by rawtune jump to it' \
		"$TEST_TMP/err" &&
	[ "$(wc -l <"$TEST_TMP/err")" -eq 2 ] ||
	fail "remove did not say what it kept and why, one line each: $(cat "$TEST_TMP/err")"
pass "remove said: $(tr '\n' ';' <"$TEST_TMP/err")"

save_all >"$TEST_TMP/after"
grep -q 'rawtune:web' "$TEST_TMP/after" && fail "rawtune's rules are left: $(grep 'rawtune:web' "$TEST_TMP/after")"
grep -qx -- '-A RAWTUNE-PREROUTING -p udp -m udp --dport 9999 -j CT --notrack' "$TEST_TMP/after" &&
	grep -qx -- '-A PREROUTING -m comment --comment rawtune -j RAWTUNE-PREROUTING' "$TEST_TMP/after" &&
	grep -qx -- '-A INPUT -p tcp -m tcp --dport 81 -j RAWTUNE-INPUT' "$TEST_TMP/after" &&
	grep -qx -- ':RAWTUNE-INPUT - \[0:0\]' "$TEST_TMP/after" ||
	{ cat "$TEST_TMP/after"; fail "the user's rule, its jump or the user's jump to an empty chain is gone (above)"; }
pass "the user's rule, the jump that reaches it and the user's jump are all there"

# The user takes their rules away: remove --all tidies up, silently.
iptables-legacy -t raw -D "${user_rule[@]}" && iptables-legacy -D "${user_jump[@]}" ||
	fail "could not delete the user's rules"
"$RAWTUNE" remove --all >/dev/null 2>"$TEST_TMP/err" || fail "remove --all failed: $(cat "$TEST_TMP/err")"
[ ! -s "$TEST_TMP/err" ] || fail "remove --all said: $(cat "$TEST_TMP/err")"
save_all >"$TEST_TMP/after"
assert_same "$TEST_TMP/before" "$TEST_TMP/after" "then remove --all leaves the save as before apply"
