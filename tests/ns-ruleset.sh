#!/bin/bash
# Over an existing stateful ruleset (user chains, a final REJECT, raw and nat
# rules, both families): apply puts rawtune's raw jumps first, adds the twins
# of the firewall's NEW accept directly before it in the admin's chain, and
# changes no other rule; remove returns iptables-legacy-save to exactly the
# original.
. "${TESTS_SRCDIR:?make check sets TESTS_SRCDIR}/lib.sh"
need_root_and unshare iptables-legacy-restore ip6tables-legacy-restore
enter_netns "$@"

ruleset() {
	local icmp=$1 reject=$2

	cat <<RULES
*raw
:PREROUTING ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A PREROUTING -p udp -m udp --dport 5060 -j CT --notrack
-A OUTPUT -p udp -m udp --sport 5060 -j CT --notrack
COMMIT
*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
-A PREROUTING -p tcp -m tcp --dport 2222 -j REDIRECT --to-ports 22
COMMIT
*filter
:INPUT DROP [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
:FW - [0:0]
:LOGDROP - [0:0]
-A INPUT -j FW
-A FW -i lo -j ACCEPT
-A FW -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A FW -p $icmp -j ACCEPT
-A FW -p tcp -m conntrack --ctstate NEW -m multiport --dports 22,80 -j ACCEPT
-A FW -p udp -m udp --dport 5060 -m conntrack --ctstate UNTRACKED -j ACCEPT
-A FW -m comment --comment "user rule, not rawtune's" -j LOGDROP
-A FW -j REJECT --reject-with $reject
-A LOGDROP -m limit --limit 5/min -j LOG --log-prefix "drop: "
-A LOGDROP -j DROP
-A FORWARD -o veth0 -j ACCEPT
COMMIT
RULES
}

ruleset icmp icmp-port-unreachable | iptables-legacy-restore || fail "cannot load the IPv4 ruleset"
ruleset ipv6-icmp icmp6-port-unreachable | ip6tables-legacy-restore || fail "cannot load the IPv6 ruleset"
save_all >"$TEST_TMP/before"

"$RAWTUNE" apply web --port 80 >/dev/null || fail "apply over the ruleset failed"
save_all >"$TEST_TMP/applied"

# Every original line is still there, in the same order, once rawtune's are taken out.
grep -v 'RAWTUNE-\|"rawtune:web"' "$TEST_TMP/applied" >"$TEST_TMP/applied-others"
assert_same "$TEST_TMP/before" "$TEST_TMP/applied-others" "apply changed no rule it does not own"

# rawtune's jump is the first rule of each raw built-in chain; filter gets no
# chain of rawtune's, only the two twins (SYN and the later segments) right
# before the NEW accept in FW.
new_rule='-A FW -p tcp -m conntrack --ctstate NEW -m multiport --dports 22,80 -j ACCEPT'
for family in 4 6; do
	cmd=iptables-legacy
	[ $family = 6 ] && cmd=ip6tables-legacy
	for tc in raw:PREROUTING raw:OUTPUT; do
		first=$($cmd -t "${tc%%:*}" -S "${tc#*:}" | sed -n 2p)
		[ "$first" = "-A ${tc#*:} -m comment --comment rawtune -j RAWTUNE-${tc#*:}" ] ||
			fail "ipv$family ${tc%%:*} ${tc#*:}: first rule is '$first'"
	done
	$cmd -S | grep -q RAWTUNE && fail "ipv$family filter: $($cmd -S | grep RAWTUNE)"
	[ "$($cmd -S | grep -c 'rawtune:web')" -eq 2 ] || fail "ipv$family filter: want 2 twins: $($cmd -S | grep rawtune)"
	$cmd -S FW | grep -B2 -x -- "$new_rule" | head -2 >"$TEST_TMP/twins"
	grep -c -- '^-A FW -p tcp -m comment --comment "rawtune:web" .*--dport 80 .*--ctstate UNTRACKED -j ACCEPT$' \
		"$TEST_TMP/twins" | grep -qx 2 || fail "ipv$family: the twins are not right before the NEW accept: $($cmd -S FW)"
	grep -c -- ' ! --tcp-flags FIN,SYN,RST,ACK SYN ' "$TEST_TMP/twins" | grep -qx 1 ||
		fail "ipv$family: want one SYN and one later-segment twin: $(cat "$TEST_TMP/twins")"
done
pass "the raw jumps are at position 1; filter: two twins right before the NEW accept, ahead of the REJECT"
grep -q 'RAWTUNE' <(save4 | grep -A100 '^\*nat' | sed '/^COMMIT/q') && fail "rawtune touched the nat table"

"$RAWTUNE" remove web >/dev/null || fail "remove failed"
save_all >"$TEST_TMP/after"
assert_same "$TEST_TMP/before" "$TEST_TMP/after" "remove returns the ruleset to exactly what it was"
