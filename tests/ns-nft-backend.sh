#!/bin/bash
# The nf_tables backend, on a server whose firewall is written in nft, with
# real requests from a client namespace over IPv4 and IPv6:
# - rawtune's rules are in table inet rawtune (nft list shows them), with a
#   counter and the comment rawtune:web on each, the ports in one set, and
#   no legacy iptables table is created;
# - where the firewall accepts only NEW flows to the port, apply refuses and
#   changes nothing, and the service keeps answering; with the twin the
#   message names (ct state untracked beside ct state new), the apply goes
#   through and the port's flows leave no conntrack entry, every request
#   answered;
# - a second apply sends nothing (the rules keep their handles), a change of
#   ports is one batch, status and stats read the table, remove deletes it;
# - applies interleaved with another writer's nft commits all land whole.
. "${TESTS_SRCDIR:?make check sets TESTS_SRCDIR}/lib.sh"
need_root_and ip nft nginx ab conntrack
export RAWTUNE_BACKEND=nft
netns_setup

netns_add host host
netns_add client client
netns_link "$host" h0 10.208.0.1/24 "$client" c0 10.208.0.2/24
ip -n "$host" addr add fd28::1/64 dev h0 nodad
ip -n "$client" addr add fd28::2/64 dev c0 nodad
H() { ip netns exec "$host" "$@"; }
start_nginx "$host" "8080; listen [::]:8080" web
URL4=http://10.208.0.1:8080/ URL6=http://[fd28::1]:8080/

answers() { # WHAT N: all of N requests from the client, over both families, complete
	local done url

	for url in "$URL4" "$URL6"; do
		done=$(requests "$client" "$url" "$2")
		[ "$done" = "$2" ] || fail "$1: ${done:-0} of $2 requests to $url completed"
	done
}
entries() { # conntrack entries for port 8080, both families
	{ H conntrack -L -p tcp --dport 8080; H conntrack -L -f ipv6 -p tcp --dport 8080; } 2>/dev/null |
		grep -c .
}
table() { H nft -a list table inet rawtune 2>/dev/null; }
no_legacy_tables() {
	local f

	for f in /proc/net/ip_tables_names /proc/net/ip6_tables_names; do
		if [ -s "$f" ] && [ -n "$(H cat "$f")" ]; then
			fail "$1: a legacy table exists: $(H cat "$f" | tr '\n' ' ')"
		fi
	done
}

# ---- an nftables.conf firewall that accepts NEW flows only --------------------
H nft -f - <<'NFT' || fail "cannot load the nft firewall"
table inet filter {
	chain input {
		type filter hook input priority 0; policy drop;
		iif lo accept
		meta l4proto ipv6-icmp accept
		ct state established,related accept
		tcp dport 8080 ct state new accept
	}
}
NFT
answers "the firewall, before apply" 20
H "$RAWTUNE" apply web --port 8080 >"$TEST_TMP/out" 2>"$TEST_TMP/err" &&
	fail "apply went through a firewall that drops untracked packets: $(cat "$TEST_TMP/out")"
[ "$(wc -l <"$TEST_TMP/err")" -eq 1 ] || fail "want one error line: $(cat "$TEST_TMP/err")"
grep -q "^rawtune: web: the nf_tables chain inet filter input (hook input) may drop the untracked packets of tcp dport 8080 by its policy drop.*'nft insert rule inet filter input tcp dport 8080 ct state untracked accept'" \
	"$TEST_TMP/err" || fail "the refusal: $(cat "$TEST_TMP/err")"
[ -z "$(table)" ] || fail "a refused apply created table inet rawtune: $(table)"
answers "the firewall, after the refused apply" 20
pass "refused, nothing written, the service answers: $(cat "$TEST_TMP/err")"

# The admin's own rule, twinned for untracked packets.
H nft flush ruleset
H nft -f - <<'NFT' || fail "cannot load the nft firewall"
table inet filter {
	chain input {
		type filter hook input priority 0; policy drop;
		iif lo accept
		meta l4proto ipv6-icmp accept
		ct state established,related accept
		tcp dport 8080 ct state untracked accept
		tcp dport 8080 ct state new accept
	}
}
NFT
H conntrack -F 2>/dev/null
answers "tracked, before apply" 50
before=$(entries)
[ "$before" -gt 0 ] || fail "no conntrack entries for 8080 before apply: the test sees nothing"
H "$RAWTUNE" apply web --port 8080 >"$TEST_TMP/out" 2>&1 || fail "apply: $(cat "$TEST_TMP/out")"
table >"$TEST_TMP/table"
grep -q 'type filter hook prerouting priority raw' "$TEST_TMP/table" || fail "no prerouting chain at priority raw: $(cat "$TEST_TMP/table")"
grep -q 'type filter hook output priority raw' "$TEST_TMP/table" || fail "no output chain at priority raw"
grep -q 'fib daddr type local tcp dport 8080 counter packets 0 bytes 0 notrack comment "rawtune:web"' \
	"$TEST_TMP/table" || fail "no notrack rule for tcp dport 8080: $(cat "$TEST_TMP/table")"
[ "$(grep -c 'comment "rawtune:web"' "$TEST_TMP/table")" = "$(grep -c counter "$TEST_TMP/table")" ] ||
	fail "a rule without counter or comment: $(cat "$TEST_TMP/table")"
no_legacy_tables "apply with the nf_tables backend"
H conntrack -F 2>/dev/null
answers "untracked, web applied" 100
after=$(entries)
[ "$after" -eq 0 ] || fail "$after conntrack entries for 8080 with web applied, want 0"
pass "web applied: 0 conntrack entries for 8080 after 200 requests (${before} for 100 before it), all answered"

saved=$(H "$RAWTUNE" stats --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["saved"])')
[ "${saved:-0}" -ge 200 ] || fail "stats counts ${saved:-0} entries saved, want at least 200"
H "$RAWTUNE" status --json >"$TEST_TMP/status.json" || fail "status failed"
python3 - "$TEST_TMP/status.json" <<'PY' || fail "status --json (above)"
import json, sys
p = json.load(open(sys.argv[1]))["profiles"][0]
assert p["name"] == "web" and p["state"] == "applied" and p["ports"] == "8080", p
assert all("add rule inet rawtune" in r["rule"] for r in p["rules"]), p["rules"]
PY
pass "stats: $saved entries saved; status reads the table"

# ---- idempotent, one batch for a change of ports -------------------------------
table >"$TEST_TMP/t1"
H "$RAWTUNE" apply web --port 8080 >"$TEST_TMP/out" 2>&1 || fail "apply again: $(cat "$TEST_TMP/out")"
grep -q 'nothing changed' "$TEST_TMP/out" || fail "a second apply changed something: $(cat "$TEST_TMP/out")"
table | sed 's/packets [0-9]* bytes [0-9]*//' >"$TEST_TMP/t2"
sed 's/packets [0-9]* bytes [0-9]*//' "$TEST_TMP/t1" >"$TEST_TMP/t1n"
assert_same "$TEST_TMP/t1n" "$TEST_TMP/t2" "a second apply keeps every rule and handle"
H nft add table inet filter # any commit moves the generation on
H "$RAWTUNE" apply web --port 8080,443,9000-9100 >"$TEST_TMP/out" 2>&1 &&
	fail "the firewall does not accept 443, yet apply went through"
H nft insert rule inet filter input tcp dport '{ 443, 8080, 9000-9100 }' ct state untracked accept
H "$RAWTUNE" apply web --port 8080,443,9000-9100 >"$TEST_TMP/out" 2>&1 ||
	fail "apply with three ranges: $(cat "$TEST_TMP/out")"
table | grep -q 'tcp dport { 443, 8080, 9000-9100 } counter packets [0-9]* bytes [0-9]* notrack' ||
	fail "the ports are not one set: $(table)"
answers "three ranges" 20
[ "$(entries)" -eq 0 ] || fail "entries for 8080 with three ranges"
pass "a second apply sends nothing; three ranges in one set: $(grep -c rawtune:web <(table)) rules"

# ---- another writer commits all the time -------------------------------------
H bash -c 'for i in $(seq 200); do nft add table ip other$((i % 5)); nft delete table ip other$((i % 5)); done' &
writer=$!
for i in $(seq 12); do
	ports=8080
	[ $((i % 2)) -eq 0 ] && ports=8080,9000-9100
	H "$RAWTUNE" apply web --port "$ports" >"$TEST_TMP/out" 2>&1 || fail "apply $i beside a writer: $(cat "$TEST_TMP/out")"
done
wait $writer
[ "$(table | grep -c 'comment "rawtune:web"')" -eq 4 ] || fail "after the race: $(table)"
table | grep -q 'tcp dport { 8080, 9000-9100 }' || fail "the last apply is not what stayed: $(table)"
pass "12 applies beside 200 nft commits of another writer: every one landed whole"

# ---- bad input changes nothing; remove deletes the table ------------------------
table | sed 's/packets [0-9]* bytes [0-9]*//' >"$TEST_TMP/t1"
H "$RAWTUNE" apply web --port 8080,99999 2>"$TEST_TMP/err" && fail "a bad port list was applied"
grep -q '^rawtune: ' "$TEST_TMP/err" && [ "$(wc -l <"$TEST_TMP/err")" -eq 1 ] ||
	fail "bad port list: $(cat "$TEST_TMP/err")"
table | sed 's/packets [0-9]* bytes [0-9]*//' >"$TEST_TMP/t2"
assert_same "$TEST_TMP/t1" "$TEST_TMP/t2" "a bad port list changes no rule"
H "$RAWTUNE" apply dns >"$TEST_TMP/out" 2>&1 && fail "dns applied through a policy drop"
H "$RAWTUNE" remove web >"$TEST_TMP/out" 2>&1 || fail "remove: $(cat "$TEST_TMP/out")"
grep -q '4 rules removed' "$TEST_TMP/out" || fail "remove said: $(cat "$TEST_TMP/out")"
H nft list tables | grep -q rawtune && fail "table inet rawtune left after its last profile"
H "$RAWTUNE" remove web >"$TEST_TMP/out" 2>&1 || fail "remove of nothing: $(cat "$TEST_TMP/out")"
no_legacy_tables "apply, status, stats and remove"
answers "web removed" 20
pass "remove deleted table inet rawtune; no legacy table was ever created"
