#!/bin/bash
# The nf_tables guard: rawtune writes legacy rules only, and a legacy accept
# cannot overrule an nf_tables drop. So apply refuses, in one line naming the
# chain and port and changing nothing, where an nf_tables filter chain could
# drop the untracked packets (--force does not lift that), and where an
# nf_tables nat rule could take their flows (--force does). Empty accept
# chains, drops for other protocols and no nf_tables at all let it apply.
. "${TESTS_SRCDIR:?make check sets TESTS_SRCDIR}/lib.sh"
need_root_and ip nft nginx ab conntrack iptables-legacy-save ip6tables-legacy-save
netns_setup

netns_add host host
netns_add client client
netns_link "$host" h0 10.206.0.1/24 "$client" c0 10.206.0.2/24
H() { ip netns exec "$host" "$@"; }
start_nginx "$host" 10.206.0.1:8080 web
URL=http://10.206.0.1:8080/
# The tables rawtune writes exist from the start: before/after compare rules.
for t in raw filter; do H iptables-legacy -t $t -S >/dev/null && H ip6tables-legacy -t $t -S >/dev/null; done

# The legacy tables of the host, without counters.
legacy_save() {
	{ H iptables-legacy-save; H ip6tables-legacy-save; } |
		sed -e '/^#/d' -e 's/\[[0-9]*:[0-9]*\]$/[0:0]/'
}

answers() { # $1: what; the service answers all of 4 requests from the client
	local done

	done=$(requests "$client" "$URL" 4)
	[ "$done" = 4 ] || fail "$1: ${done:-0} of 4 requests completed"
}

# expect_refused WHAT PATTERN ARGS...: exit 1, one line matching PATTERN, no rule changed
expect_refused() {
	local what=$1 pattern=$2 status
	shift 2
	legacy_save >"$TEST_TMP/before"
	H "$RAWTUNE" apply "$@" >"$TEST_TMP/out" 2>"$TEST_TMP/err"
	status=$?
	[ $status -eq 1 ] || fail "$what: apply $* exit $status, want 1 (refused): $(cat "$TEST_TMP/err")"
	[ "$(wc -l <"$TEST_TMP/err")" -eq 1 ] || fail "$what: want one error line: $(cat "$TEST_TMP/err")"
	grep -q -- "$pattern" "$TEST_TMP/err" || fail "$what: $(cat "$TEST_TMP/err")"
	legacy_save >"$TEST_TMP/after"
	assert_same "$TEST_TMP/before" "$TEST_TMP/after" "$what: a refused apply changed no rule"
	pass "$what: refused: $(cat "$TEST_TMP/err")"
}

expect_applied() {
	local what=$1
	shift
	H "$RAWTUNE" apply "$@" >"$TEST_TMP/out" 2>"$TEST_TMP/err" ||
		fail "$what: apply $* refused: $(cat "$TEST_TMP/err")"
	legacy_save | grep -q "rawtune:$1" || fail "$what: no rule of $1 in the legacy tables"
	pass "$what: applied"
}

DROPS="may drop the untracked packets of tcp dport 8080"

# ---- (i) a stateful nft firewall: NEW accepted on 8080, policy drop ---------
H nft -f - <<'NFT' || fail "cannot load the nft firewall"
table inet filter {
	chain input {
		type filter hook input priority 0; policy drop;
		ct state established,related accept
		tcp dport 8080 ct state new accept
	}
}
NFT
answers "the nft firewall, before apply"
expect_refused "nft policy drop" \
	"web: the nf_tables chain inet filter input (hook input) $DROPS: rule handle [0-9]* accepts them only when tracked.*--force does not" \
	web --port 8080
expect_refused "nft policy drop, --force" "$DROPS" web --port 8080 --force
answers "the nft firewall, after the refused apply"
pass "the service still answers after the refused apply"

# What the guard prevents: the same rules loaded by hand break the service.
H "$RAWTUNE" apply web --port 8080 -4 --dry-run | H iptables-legacy-restore --noflush ||
	fail "cannot load web's rules by hand"
done=$(requests "$client" "$URL" 4)
[ "${done:-0}" -lt 4 ] || fail "the nft policy drop let untracked packets through: the guard is moot"
for t in raw filter; do H iptables-legacy -t $t -F && H iptables-legacy -t $t -X; done
answers "the nft firewall, web's notrack rules gone"
pass "without the guard, the nft drop breaks the service (${done:-0} of 4 answered)"

# The fixes the messages give make the apply go through, and the traffic
# untracked: the clients' packets first, then the replies to this host's own
# clients over lo, which this firewall accepts only when tracked.
fixes=0
while ! H "$RAWTUNE" apply web --port 8080 >"$TEST_TMP/out" 2>"$TEST_TMP/err"; do
	fix=$(sed -n "s/.* with '\(nft insert rule [^']*\)'.*/\1/p" "$TEST_TMP/err")
	[ -n "$fix" ] || fail "the message gives no nft command: $(cat "$TEST_TMP/err")"
	fixes=$((fixes + 1))
	[ $fixes -le 3 ] || fail "still refused after three fixes: $(cat "$TEST_TMP/err")"
	H $fix || fail "the message's fix failed: $fix"
	pass "fix $fixes: $fix"
done
[ $fixes -eq 2 ] || fail "$fixes fixes, want 2 (the port, then lo)"
H conntrack -F 2>/dev/null
answers "the nft firewall with the fixes, web applied"
done=$(requests "$host" "$URL" 4)
[ "$done" = 4 ] || fail "this host's own client: ${done:-0} of 4 requests completed"
entries=$(H conntrack -L -p tcp --dport 8080 2>/dev/null | grep -c .)
[ "$entries" -eq 0 ] || fail "$entries conntrack entries for port 8080, want 0"
pass "with the fixes: the service answers its clients and this host's, untracked"
H "$RAWTUNE" remove --all >/dev/null || fail "remove --all failed"

# A drop reached through a jump, and an output chain that drops the replies.
H nft flush ruleset
H nft -f - <<'NFT' || fail "cannot load the nft firewall"
table inet filter {
	chain input {
		type filter hook input priority 0; policy accept;
		jump checks
	}
	chain checks {
		ct state invalid drop
		th dport 8080 reject
	}
}
NFT
# Tracked or not, the port is rejected: untracking changes no verdict.
expect_applied "a reject reached by a jump, for tracked and untracked alike" web --port 8080
H "$RAWTUNE" remove --all >/dev/null
H nft flush ruleset
H nft -f - <<'NFT' || fail "cannot load the nft firewall"
table ip filter {
	chain output {
		type filter hook output priority 0; policy drop;
		ct state established accept
	}
}
NFT
expect_refused "an output chain with policy drop" \
	"ip filter output (hook output) may drop the untracked packets of tcp sport 8080" \
	web --port 8080
H nft add rule ip filter output tcp sport 8080 accept
# This host's own clients are dropped tracked too: no outage.
expect_applied "the output chain accepts tcp sport 8080, this host's clients dropped anyway" \
	web --port 8080
H "$RAWTUNE" remove --all >/dev/null
H nft add rule ip filter output oif lo accept
expect_applied "the output chain accepts tcp sport 8080 and lo" web --port 8080
H "$RAWTUNE" remove --all >/dev/null

# Sets: the guard reads their keys.
nft_input() { # a policy drop input chain, lo accepted, with the rules given on stdin
	H nft flush ruleset
	{
		echo 'table inet filter {'
		echo '	chain input {'
		echo '		type filter hook input priority 0; policy drop;'
		echo '		iif lo accept'
		cat
		echo '	}'
		echo '}'
	} | H nft -f - || fail "cannot load the nft firewall"
}
nft_input <<'NFT'
ct state { established, related } accept
ct state { invalid } drop
tcp dport { 80, 8080 } accept
NFT
expect_applied "a plain accept of a port set that holds 8080" web --port 8080
answers "a port set accept, web applied"
H "$RAWTUNE" remove --all >/dev/null
expect_applied "a port set that holds 8080, not 9090, which stays closed either way" \
	web --port 8080,9090
H "$RAWTUNE" remove --all >/dev/null
nft_input <<'NFT'
ct state { new, untracked } accept
NFT
expect_applied "ct state { new, untracked } accept" web --port 8080
H "$RAWTUNE" remove --all >/dev/null
nft_input <<'NFT'
tcp dport { 80, 443 } accept
tcp dport != { 8080, 8081 } drop
NFT
expect_applied "a port set without 8080: closed tracked or not" web --port 8080
H "$RAWTUNE" remove --all >/dev/null
nft_input <<'NFT'
tcp dport vmap { 22 : drop, 8080 : accept }
NFT
expect_applied "a verdict map for the port, which does not read the state" web --port 8080
H "$RAWTUNE" remove --all >/dev/null

# ufw's shape through iptables-nft: -m conntrack and -m multiport are xtables
# matches inside nf_tables, judged too; INVALID is not UNTRACKED.
if command -v iptables-nft >/dev/null; then
	H nft flush ruleset
	H iptables-nft -P INPUT DROP
	H iptables-nft -N ufw-before-input
	H iptables-nft -N ufw-user-input
	H iptables-nft -A INPUT -j ufw-before-input
	H iptables-nft -A ufw-before-input -i lo -j ACCEPT
	H iptables-nft -A ufw-before-input -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
	H iptables-nft -A ufw-before-input -m conntrack --ctstate INVALID -j DROP
	H iptables-nft -A ufw-before-input -j ufw-user-input
	H iptables-nft -A ufw-user-input -p tcp -m multiport --dports 80,443,8080 -j ACCEPT
	expect_applied "iptables-nft: a multiport accept of 8080 behind an INVALID drop" web --port 8080
	answers "iptables-nft firewall, web applied"
	H "$RAWTUNE" remove --all >/dev/null
	expect_applied "iptables-nft: port 9000, closed tracked or not" web --port 9000
	H "$RAWTUNE" remove --all >/dev/null
	# An accept of every untracked packet first: port 9000, closed to tracked
	# packets, would open to untracked ones.
	H iptables-nft -I ufw-before-input 1 -m conntrack --ctstate UNTRACKED -j ACCEPT
	expect_refused "iptables-nft: --ctstate UNTRACKED accepted first, port 9000 closed" \
		"accepts them untracked where the tracked ones may still be dropped" web --port 9000
	expect_applied "iptables-nft: --ctstate UNTRACKED accepted first, port 8080 open" web --port 8080
	H "$RAWTUNE" remove --all >/dev/null
	H iptables-nft -P INPUT ACCEPT
fi

# firewalld's shape (1.3 and later): zones reached by goto, ports opened with
# a plain accept in the zone's allow chain, a reject at the end.
firewalld() { # $1: the port the public zone opens
	H nft flush ruleset
	H nft -f - <<NFT || fail "cannot load the firewalld-shaped ruleset"
table inet firewalld {
	chain filter_INPUT {
		type filter hook input priority filter + 10; policy accept;
		ct state { established, related } accept
		ct status dnat accept
		iifname "lo" accept
		ct state invalid drop
		jump filter_INPUT_ZONES
		reject with icmpx admin-prohibited
	}
	chain filter_INPUT_ZONES {
		iifname "h0" goto filter_IN_public
		goto filter_IN_public
	}
	chain filter_IN_public {
		jump filter_IN_public_deny
		jump filter_IN_public_allow
		meta l4proto { icmp, ipv6-icmp } accept
		reject with icmpx admin-prohibited
	}
	chain filter_IN_public_deny {
	}
	chain filter_IN_public_allow {
		tcp dport 22 accept
		ip6 daddr fe80::/64 udp dport 546 accept
		tcp dport $1 accept
	}
}
NFT
}
firewalld 8080
expect_applied "firewalld's shape, port 8080 open" web --port 8080
answers "firewalld's shape, web applied"
H "$RAWTUNE" remove --all >/dev/null
firewalld 9090
expect_applied "firewalld's shape, port 8080 closed tracked or not" web --port 8080
H "$RAWTUNE" remove --all >/dev/null

# ---- (ii) what iptables-nft leaves behind: empty chains, policy accept -----
H nft flush ruleset
H nft add table ip filter
H nft add chain ip filter INPUT '{ type filter hook input priority 0; policy accept; }'
H nft add chain ip filter OUTPUT '{ type filter hook output priority 0; policy accept; }'
H nft add table ip6 filter
H nft add chain ip6 filter INPUT '{ type filter hook input priority 0; policy accept; }'
expect_applied "empty nft chains with policy accept" web --port 8080
answers "empty nft chains, web applied"
H "$RAWTUNE" remove --all >/dev/null

# ---- (iii) drops for another protocol, another port, or invalid packets ----
H nft add rule ip filter INPUT udp dport 9999 drop
H nft add rule ip filter INPUT tcp dport 9999 drop
H nft add rule ip filter INPUT ct state invalid drop
H nft add rule ip6 filter INPUT meta l4proto udp drop
H nft add rule ip filter INPUT ct mark 0 drop
H nft add rule ip filter INPUT ct status != dnat drop
# ct mark and status: tracked packets may be dropped there, untracked ones
# never reach them: that may differ, and apply refuses.
expect_refused "drops for udp, for tcp port 9999, for invalid packets, on ct mark and status" \
	"rule handle [0-9]* reads the conntrack state in a way rawtune does not judge" web --port 8080
H nft flush chain ip filter INPUT
H nft add rule ip filter INPUT udp dport 9999 drop
H nft add rule ip filter INPUT tcp dport 9999 drop
H nft add rule ip filter INPUT ct state invalid drop
expect_applied "drops for udp, for tcp port 9999, for invalid packets" web --port 8080
H "$RAWTUNE" remove --all >/dev/null
expect_applied "the same firewall, a udp profile of port 9999: dropped tracked or not" \
	dns --port 9999 --proto udp
H "$RAWTUNE" remove --all >/dev/null

# A drop for one family in an inet table concerns only that family's packets.
H nft flush ruleset
H nft add table inet f
H nft add chain inet f input '{ type filter hook input priority 0; policy accept; }'
H nft add rule inet f input meta nfproto ipv6 drop
expect_applied "an IPv6-only drop, web for IPv4" web --port 8080 -4
H "$RAWTUNE" remove --all >/dev/null
expect_applied "an IPv6-only drop, web for both families: dropped tracked or not" web --port 8080
H "$RAWTUNE" remove --all >/dev/null

# ---- (iv) NAT in nf_tables ----------------------------------------------------
NAT="NAT applies to its traffic (tcp dport 8080): rule handle [0-9]* of the nf_tables nat chain"
NAT="$NAT ip nat prerouting (redir) would no longer apply.*--force"
H nft flush ruleset
H nft -f - <<'NFT' || fail "cannot load the nft nat rules"
table ip nat {
	chain prerouting {
		type nat hook prerouting priority dstnat;
		tcp dport 8080 redirect to :9090
	}
}
NFT
expect_refused "nft redirect of port 8080" "web: $NAT" web --port 8080
expect_applied "nft redirect of port 8080, web on 80 and 443" web --port 80,443
H "$RAWTUNE" remove --all >/dev/null
expect_applied "nft redirect of port 8080, --force" web --port 8080 --force
H "$RAWTUNE" remove --all >/dev/null
if command -v iptables-nft >/dev/null; then
	H nft flush ruleset
	H iptables-nft -t nat -A PREROUTING -p tcp --dport 8080 -j REDIRECT --to-ports 9090 ||
		fail "iptables-nft -t nat"
	expect_refused "iptables-nft REDIRECT of port 8080" \
		"NAT applies to its traffic.*nat chain ip nat PREROUTING (REDIRECT)" \
		web --port 8080
fi

# ---- (v) no nf_tables ruleset at all -------------------------------------------
H nft flush ruleset
expect_applied "no nf_tables rules" web --port 8080
answers "no nf_tables rules, web applied"
H "$RAWTUNE" remove --all >/dev/null || fail "remove --all failed"
pass "no nf_tables: apply as before"
