#!/bin/bash
# NAT that sends other flows to the profile's port: a REDIRECT of port 8093
# to 8090, a DNAT of an address that is not this host's to its port 8090.
# The first packet of such a flow is not the profile's (another port or
# address), so it is tracked and translated; its replies leave from port
# 8090, which the profile untracks, and would skip the reverse translation:
# the client, which spoke to 8093, would get answers from 8090 and reset.
# apply refuses, naming the nat rule, and the connections keep working; with
# --force they break, which is what the refusal prevents. A DNAT to another
# host's port 8090 sends nothing here: applied.
. "${TESTS_SRCDIR:?make check sets TESTS_SRCDIR}/lib.sh"
need_root_and ip nginx ab iptables-legacy-restore iptables-legacy-save nft
netns_setup

S=10.211.0.1 C=10.211.0.2

netns_add server server
netns_add client client
netns_link "$server" s0 $S/24 "$client" c0 $C/24
ip -n "$client" route add 198.51.100.0/24 via $S || fail "no route to 198.51.100.0/24"
start_nginx "$server" 8090 app

in_server() { ip netns exec "$server" "$@"; }
# load URL N: N requests from the client; prints how many completed.
load() { requests "$client" "$1" "$2"; }
rules() {
	in_server iptables-legacy-save -t nat | sed -e '/^#/d' -e 's/\[[0-9]*:[0-9]*\]$//'
	in_server nft list ruleset
}
expect_load() {
	local done

	done=$(load "$1" "$2")
	[ "$done" = "$2" ] || fail "$3: ${done:-0} of $2 requests to $1 completed"
}

# expect_refused WHAT RULE URL: apply is refused naming RULE, changes no rule,
# and the NATed connections still work; --force applies and breaks them.
expect_refused() {
	local what=$1 rule=$2 url=$3 done

	expect_load "$url" 10 "$what, before"
	rules >"$TEST_TMP/before"
	in_server "$RAWTUNE" apply web --port 8090 >"$TEST_TMP/out" 2>"$TEST_TMP/err"
	[ $? -eq 1 ] || fail "$what: apply was not refused: $(cat "$TEST_TMP/out" "$TEST_TMP/err")"
	[ "$(wc -l <"$TEST_TMP/err")" -eq 1 ] || fail "$what: want one line: $(cat "$TEST_TMP/err")"
	grep -q "^rawtune: web: NAT sends other flows to its port: $rule .*--force" \
		"$TEST_TMP/err" || fail "$what: $(cat "$TEST_TMP/err")"
	rules >"$TEST_TMP/after"
	assert_same "$TEST_TMP/before" "$TEST_TMP/after" "$what: the refused apply changed no rule"
	expect_load "$url" 10 "$what, after the refusal"
	pass "$what: refused: $(cat "$TEST_TMP/err")"

	in_server "$RAWTUNE" apply web --port 8090 --force >/dev/null 2>&1 ||
		fail "$what: apply --force failed"
	done=$(load "$url" 4)
	[ "${done:-0}" -eq 0 ] ||
		fail "$what: with the profile forced, $done of 4 NATed requests still completed"
	expect_load "http://$S:8090/" 10 "$what, the profile's own port, forced"
	in_server "$RAWTUNE" remove web >/dev/null || fail "$what: remove failed"
	pass "$what: forced, the NATed connections break (0 of 4), direct ones work"
}

nat_legacy() {
	in_server iptables-legacy-restore <<RULES || fail "nat ruleset"
*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
$1
COMMIT
RULES
}

nat_legacy "-A PREROUTING -p tcp -m tcp --dport 8093 -j REDIRECT --to-ports 8090"
expect_refused "legacy REDIRECT of 8093 to 8090" \
	"rule 1 of the ipv4 nat chain PREROUTING (-j REDIRECT)" "http://$S:8093/"

nat_legacy "-A PREROUTING -d 198.51.100.7/32 -p tcp -m tcp --dport 80 -j DNAT --to-destination $S:8090"
expect_refused "legacy DNAT of another address's port 80 to this host's 8090" \
	"rule 1 of the ipv4 nat chain PREROUTING (-j DNAT)" "http://198.51.100.7/"

nat_legacy "-A PREROUTING -p tcp -m tcp --dport 8093 -j DNAT --to-destination 10.211.0.9:8090"
in_server "$RAWTUNE" apply web --port 8090 >"$TEST_TMP/out" 2>&1 ||
	fail "a DNAT to another host's port 8090 refused: $(cat "$TEST_TMP/out")"
in_server "$RAWTUNE" remove web >/dev/null || fail "remove failed"
pass "a DNAT to another host's port 8090: applied"
nat_legacy ""

# The same in nf_tables: nft's own redirect and dnat, and iptables-nft's
# REDIRECT (an xtables target inside nf_tables).
nat_nft() {
	in_server nft flush ruleset
	[ -z "$1" ] || in_server nft -f - <<NFT || fail "nft nat ruleset"
table ip natx {
	chain pre {
		type nat hook prerouting priority dstnat;
		$1
	}
}
NFT
}

nat_nft "tcp dport 8093 redirect to :8090"
expect_refused "nft redirect of 8093 to 8090" \
	"rule handle [0-9]* of the nf_tables nat chain ip natx pre (redir)" "http://$S:8093/"

nat_nft "ip daddr 198.51.100.7 tcp dport 80 dnat to $S:8090"
expect_refused "nft dnat of another address's port 80 to this host's 8090" \
	"rule handle [0-9]* of the nf_tables nat chain ip natx pre (nat)" "http://198.51.100.7/"

nat_nft ""
in_server iptables-nft -t nat -A PREROUTING -p tcp --dport 8093 -j REDIRECT --to-ports 8090 ||
	fail "iptables-nft REDIRECT"
expect_refused "iptables-nft REDIRECT of 8093 to 8090" \
	"rule handle [0-9]* of the nf_tables nat chain ip nat PREROUTING (REDIRECT)" \
	"http://$S:8093/"

nat_nft "tcp dport 8093 dnat to 10.211.0.9:8090"
in_server "$RAWTUNE" apply web --port 8090 >"$TEST_TMP/out" 2>&1 ||
	fail "an nft dnat to another host's port 8090 refused: $(cat "$TEST_TMP/out")"
in_server "$RAWTUNE" remove web >/dev/null || fail "remove failed"
pass "an nft dnat to another host's port 8090: applied"
