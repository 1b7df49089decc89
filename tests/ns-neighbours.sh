#!/bin/bash
# Rules that rawtune did not make, next to its own: the firewall's rules that
# rawtune's twins sit beside, a user's rule inserted into a RAWTUNE chain, and
# a user's jump to a RAWTUNE chain. apply inserts its twins directly before
# the firewall's own NEW accept (below the ban above it) and moves no rule of
# the user's; remove deletes rawtune's rules only, keeps the chain and the
# jumps that the user's rules still need, and says so, one notice each; once
# the user's rules are gone, the next remove takes the chains away and the
# save is as before apply.
. "${TESTS_SRCDIR:?make check sets TESTS_SRCDIR}/lib.sh"
need_root_and unshare iptables-legacy iptables-legacy-save ip6tables-legacy-save
enter_netns "$@"

# The tables exist before apply, as on any host with a firewall: a stateful
# INPUT with a ban above its accept of port 80.
iptables-legacy -t raw -A PREROUTING -p udp --dport 5060 -j CT --notrack
iptables-legacy -A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
iptables-legacy -A INPUT -s 192.0.2.0/24 -j DROP
iptables-legacy -A INPUT -p tcp --dport 80 -m conntrack --ctstate NEW -j ACCEPT
iptables-legacy -A INPUT -p tcp --dport 22 -j ACCEPT
iptables-legacy -A INPUT -j DROP
ip6tables-legacy -t raw -S >/dev/null && ip6tables-legacy -S >/dev/null
save_all >"$TEST_TMP/before"

"$RAWTUNE" apply web --port 80 >/dev/null || fail "apply failed"
save_all >"$TEST_TMP/applied"
grep -v 'RAWTUNE\|rawtune' "$TEST_TMP/applied" >"$TEST_TMP/applied-others"
grep -v 'RAWTUNE\|rawtune' "$TEST_TMP/before" >"$TEST_TMP/before-others"
assert_same "$TEST_TMP/before-others" "$TEST_TMP/applied-others" "apply moved and changed none of the user's rules"
# The twins of the NEW accept: the two rules right before it, after the ban.
# (Checked at the end, so that remove is tested either way.)
placement=$(iptables-legacy -S INPUT | grep -B2 -x -- '-A INPUT -p tcp -m tcp --dport 80 -m conntrack --ctstate NEW -j ACCEPT' |
	head -2 | grep -c -- '-m comment --comment "rawtune:web" .*--ctstate UNTRACKED -j ACCEPT$')
ban_line=$(iptables-legacy -S INPUT | grep -n -x -- '-A INPUT -s 192.0.2.0/24 -j DROP' | cut -d: -f1)
first_twin=$(iptables-legacy -S INPUT | grep -n -- '--dport 80 .*--ctstate UNTRACKED' | head -1 | cut -d: -f1)

user_rule=(RAWTUNE-PREROUTING -p udp --dport 9999 -j CT --notrack)
user_jump=(OUTPUT -p tcp --dport 81 -j RAWTUNE-OUTPUT)
iptables-legacy -t raw -I "${user_rule[@]}" || fail "the user's rule in RAWTUNE-PREROUTING"
iptables-legacy -t raw -A "${user_jump[@]}" || fail "the user's jump to RAWTUNE-OUTPUT"

"$RAWTUNE" remove web >"$TEST_TMP/out" 2>"$TEST_TMP/err" ||
	fail "remove failed: $(cat "$TEST_TMP/err")"
grep -qx 'rawtune: kept RAWTUNE-PREROUTING (ipv4 raw) and the jump to it: it holds 1 rule(s) not made by rawtune' \
	"$TEST_TMP/err" &&
	grep -qx 'rawtune: kept the empty chain RAWTUNE-OUTPUT (ipv4 raw): 1 rule(s) not made by rawtune jump to it' \
		"$TEST_TMP/err" &&
	[ "$(wc -l <"$TEST_TMP/err")" -eq 2 ] ||
	fail "remove did not say what it kept and why, one line each: $(cat "$TEST_TMP/err")"
pass "remove said: $(tr '\n' ';' <"$TEST_TMP/err")"

save_all >"$TEST_TMP/after"
grep -q 'rawtune:web' "$TEST_TMP/after" && fail "rawtune's rules are left: $(grep 'rawtune:web' "$TEST_TMP/after")"
grep -qx -- '-A RAWTUNE-PREROUTING -p udp -m udp --dport 9999 -j CT --notrack' "$TEST_TMP/after" &&
	grep -qx -- '-A PREROUTING -m comment --comment rawtune -j RAWTUNE-PREROUTING' "$TEST_TMP/after" &&
	grep -qx -- '-A OUTPUT -p tcp -m tcp --dport 81 -j RAWTUNE-OUTPUT' "$TEST_TMP/after" &&
	grep -qx -- ':RAWTUNE-OUTPUT - \[0:0\]' "$TEST_TMP/after" ||
	{ cat "$TEST_TMP/after"; fail "the user's rule, its jump or the user's jump to an empty chain is gone (above)"; }
grep -q -- '-A OUTPUT -m comment --comment rawtune -j RAWTUNE-OUTPUT' "$TEST_TMP/after" &&
	fail "the jump to the emptied RAWTUNE-OUTPUT is left"
pass "the user's rule, the jump that reaches it and the user's jump are all there"

# The user takes their rules away: remove --all tidies up, silently.
iptables-legacy -t raw -D "${user_rule[@]}" && iptables-legacy -t raw -D "${user_jump[@]}" ||
	fail "could not delete the user's rules"
"$RAWTUNE" remove --all >/dev/null 2>"$TEST_TMP/err" || fail "remove --all failed: $(cat "$TEST_TMP/err")"
[ ! -s "$TEST_TMP/err" ] || fail "remove --all said: $(cat "$TEST_TMP/err")"
save_all >"$TEST_TMP/after"
assert_same "$TEST_TMP/before" "$TEST_TMP/after" "then remove --all leaves the save as before apply"

[ "$placement" -eq 2 ] && [ "$first_twin" -gt "$ban_line" ] || {
	cat "$TEST_TMP/applied"
	fail "the twins are not directly before the NEW accept, below the ban (above)"
}
pass "the twins sit directly before the firewall's NEW accept, below the ban"
