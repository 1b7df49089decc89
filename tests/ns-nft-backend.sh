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
grep -q "^rawtune: web: the nf_tables chain inet filter input (hook input) may drop the untracked packets of tcp dport 8080: rule handle [0-9]* accepts them only when tracked.*'nft insert rule inet filter input position [0-9]* tcp dport 8080 ct state untracked accept'" \
	"$TEST_TMP/err" || fail "the refusal: $(cat "$TEST_TMP/err")"
[ -z "$(table)" ] || fail "a refused apply created table inet rawtune: $(table)"
answers "the firewall, after the refused apply" 20
pass "refused, nothing written, the service answers: $(cat "$TEST_TMP/err")"

# The fix the message gives: the twin of the admin's own NEW accept, right
# before it (so any ban above it still applies), not a bare accept on top.
fix=$(sed -n "s/.* with '\(nft insert rule [^']*\)'.*/\1/p" "$TEST_TMP/err")
H $fix || fail "the message's fix failed: $fix"
H nft list chain inet filter input | grep -A1 'tcp dport 8080 ct state untracked accept' |
	tail -n 1 | grep -q 'tcp dport 8080 ct state new accept' ||
	fail "the fix is not right before the firewall's own accept: $(H nft list chain inet filter input)"
pass "the fix goes right before the firewall's own accept: $fix"
H conntrack -F 2>/dev/null
answers "tracked, before apply" 50
before=$(entries)
[ "$before" -gt 0 ] || fail "no conntrack entries for 8080 before apply: the test sees nothing"
H "$RAWTUNE" apply web --port 8080 >"$TEST_TMP/out" 2>&1 || fail "apply: $(cat "$TEST_TMP/out")"
table >"$TEST_TMP/table"
grep -q 'type filter hook prerouting priority raw' "$TEST_TMP/table" || fail "no prerouting chain at priority raw: $(cat "$TEST_TMP/table")"
grep -q 'type filter hook output priority raw' "$TEST_TMP/table" || fail "no output chain at priority raw"
grep -q 'tcp dport 8080 fib daddr type local counter packets 0 bytes 0 notrack comment "rawtune:web"' \
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
# A bare accept of untracked packets on top would open 443 and 9000-9100,
# which the firewall keeps closed to tracked ones: refused.
H nft insert rule inet filter input tcp dport '{ 443, 8080, 9000-9100 }' ct state untracked accept
H "$RAWTUNE" apply web --port 8080,443,9000-9100 >"$TEST_TMP/out" 2>&1 &&
	fail "an accept of untracked packets that tracked ones do not get, yet apply went through"
grep -q 'accepts them untracked where the tracked ones may still be dropped' "$TEST_TMP/out" ||
	fail "the wider accept: $(cat "$TEST_TMP/out")"
pass "refused where untracked packets would get more: $(cat "$TEST_TMP/out")"
H nft delete rule inet filter input handle "$(H nft -a list chain inet filter input |
	sed -n 's/.*tcp dport { 443, 8080, 9000-9100 } ct state untracked accept # handle //p')"
# Closed tracked or not, 443 and 9000-9100 lose nothing untracked.
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
# Port 53 is closed tracked or not: untracked, it loses nothing.
H "$RAWTUNE" apply dns >"$TEST_TMP/out" 2>&1 || fail "dns, closed either way: $(cat "$TEST_TMP/out")"
H "$RAWTUNE" remove dns >/dev/null || fail "remove dns"
H "$RAWTUNE" remove web >"$TEST_TMP/out" 2>&1 || fail "remove: $(cat "$TEST_TMP/out")"
grep -q '4 rules removed' "$TEST_TMP/out" || fail "remove said: $(cat "$TEST_TMP/out")"
H nft list tables | grep -q rawtune && fail "table inet rawtune left after its last profile"
H "$RAWTUNE" remove web >"$TEST_TMP/out" 2>&1 || fail "remove of nothing: $(cat "$TEST_TMP/out")"
no_legacy_tables "apply, status, stats and remove"
answers "web removed" 20
pass "remove deleted table inet rawtune; no legacy table was ever created"

# ---- the advice, per kind of firewall, followed -----------------------------------
# refused_with WHAT PATTERN: apply refuses with PATTERN in its one line, writes nothing
refused_with() {
	H "$RAWTUNE" apply web --port 8080 >"$TEST_TMP/out" 2>"$TEST_TMP/err" &&
		fail "$1: applied: $(cat "$TEST_TMP/out")"
	grep -q -- "$2" "$TEST_TMP/err" || fail "$1: $(cat "$TEST_TMP/err")"
	[ -z "$(table)" ] || fail "$1: a refused apply wrote rules"
	pass "$1: $(sed 's/.*does not change that: //' "$TEST_TMP/err")"
}
applies() {
	H "$RAWTUNE" apply web --port 8080 >"$TEST_TMP/out" 2>&1 || fail "$1: $(cat "$TEST_TMP/out")"
	H conntrack -F 2>/dev/null
	answers "$1" 20
	[ "$(entries)" -eq 0 ] || fail "$1: conntrack entries for 8080"
	H "$RAWTUNE" remove web >/dev/null || fail "$1: remove"
	pass "$1: applied, 40 requests answered untracked"
}
# An accept narrowed to the clients' network: its twin must keep the source.
H nft flush ruleset
H nft -f - <<'NFT' || fail "cannot load the nft firewall"
table inet filter {
	chain input {
		type filter hook input priority 0; policy drop;
		iif lo accept
		meta l4proto ipv6-icmp accept
		ct state established,related accept
		ip saddr 10.208.0.0/24 tcp dport 8080 ct state new accept
		ip6 saddr fd28::/64 tcp dport 8080 ct state new accept
	}
}
NFT
refused_with "an accept narrowed to a network" \
	"rule handle [0-9]* of chain input accepts them when tracked: add a copy of it with 'ct state untracked'"
H nft insert rule inet filter input position "$(H nft -a list chain inet filter input |
	sed -n 's/.*ip saddr 10.208.0.0\/24 tcp dport 8080 ct state new accept # handle //p')" \
	ip saddr 10.208.0.0/24 tcp dport 8080 ct state untracked accept
H nft insert rule inet filter input position "$(H nft -a list chain inet filter input |
	sed -n 's/.*ip6 saddr fd28::\/64 tcp dport 8080 ct state new accept # handle //p')" \
	ip6 saddr fd28::/64 tcp dport 8080 ct state untracked accept
applies "the admin's twins, network kept"

# A ban added later between a twin and the accept it twins: the tracked
# packets of the banned client are dropped there, its untracked ones were
# accepted before it. apply refuses; the same rules loaded past the check
# let the banned client in, with real requests.
H nft flush ruleset
H nft -f - <<'NFT' || fail "cannot load the nft firewall"
table inet filter {
	chain input {
		type filter hook input priority 0; policy drop;
		iif lo accept
		meta l4proto ipv6-icmp accept
		ct state established,related accept
		ip saddr 10.208.0.0/24 tcp dport 8080 ct state untracked accept
		ip saddr 10.208.0.2 drop
		ip saddr 10.208.0.0/24 tcp dport 8080 ct state new accept
	}
}
NFT
[ "$(requests "$client" "$URL4" 4)" = 4 ] && fail "the ban does not hold before apply"
refused_with "a ban between a twin and its accept" \
	"rule handle [0-9]* drops tracked packets that a rule before it accepts untracked"
[ "$(requests "$client" "$URL4" 4)" = 4 ] && fail "the banned client got in after the refused apply"
unshare -n "$RAWTUNE" apply web --port 8080 --dry-run >"$TEST_TMP/web.nft" ||
	fail "a dry run outside the host"
H nft -f "$TEST_TMP/web.nft" || fail "cannot load web's rules by hand"
[ "$(requests "$client" "$URL4" 4)" = 4 ] ||
	fail "loaded past the check, web's rules did not let the banned client in: the test shows nothing"
H nft delete table inet rawtune
pass "the banned client stays out; web's rules loaded past the check would let it in"

# A port the firewall does not open at all: no fix would be narrow.
H nft flush ruleset
H nft -f - <<'NFT' || fail "cannot load the nft firewall"
table inet filter {
	chain input {
		type filter hook input priority 0; policy drop;
		ct state established,related accept
		tcp dport 22 ct state new accept
	}
}
NFT
# A port the firewall does not open: closed tracked or not, nothing to lose.
H "$RAWTUNE" apply web --port 8080 >"$TEST_TMP/out" 2>&1 || fail "a closed port: $(cat "$TEST_TMP/out")"
[ "$(requests "$client" "$URL4" 4)" = 4 ] && fail "a closed port answered"
H "$RAWTUNE" remove web >/dev/null
pass "a port the firewall does not open: applied, and still closed"

# iptables-nft's tables: the fix is an iptables line at the rule's place.
if command -v iptables-nft >/dev/null; then
	H nft flush ruleset
	for ipt in iptables-nft ip6tables-nft; do
		H $ipt -P INPUT DROP
		H $ipt -A INPUT -i lo -j ACCEPT
		H $ipt -A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
		H $ipt -A INPUT -p tcp --dport 8080 -m conntrack --ctstate NEW -j ACCEPT
	done
	H ip6tables-nft -I INPUT -p ipv6-icmp -j ACCEPT
	for _ in 1 2; do
		H "$RAWTUNE" apply web --port 8080 >"$TEST_TMP/out" 2>"$TEST_TMP/err" && break
		fix=$(sed -n "s/.*'\(ip6\{0,1\}tables -I [^']*\)'.*/\1/p" "$TEST_TMP/err")
		[ -n "$fix" ] || fail "iptables-nft: no iptables line: $(cat "$TEST_TMP/err")"
		H ${fix/tables /tables-nft } || fail "iptables-nft: the fix failed: $fix"
		pass "iptables-nft: the fix: $fix"
	done
	H "$RAWTUNE" remove web >/dev/null
	applies "iptables-nft with the fixes"
fi

# A firewall manager's table: rawtune never writes into it; firewalld's own
# port accepts (firewall-cmd --add-port, 1.3 and later) take untracked packets.
H nft flush ruleset
H nft -f - <<'NFT' || fail "cannot load the nft firewall"
table inet firewalld {
	chain filter_INPUT {
		type filter hook input priority filter + 10; policy accept;
		ct state established,related accept
		iifname "lo" accept
		jump filter_IN_public
		reject with icmpx admin-prohibited
	}
	chain filter_IN_public {
		tcp dport 22 accept
	}
}
NFT
H "$RAWTUNE" apply web --port 8080 >"$TEST_TMP/out" 2>&1 || fail "firewalld, port closed: $(cat "$TEST_TMP/out")"
[ "$(requests "$client" "$URL4" 4)" = 4 ] && fail "firewalld: a closed port answered"
H "$RAWTUNE" remove web >/dev/null
pass "firewalld, port 8080 closed: rejected tracked or not, applied"
H nft add rule inet firewalld filter_IN_public tcp dport 8080 accept # what firewall-cmd writes
applies "firewalld with the port open"
no_legacy_tables "every firewall kind"

# ---- a reload that flushes the ruleset, repaired at once ----------------------------
# nftables.service's reload begins with "flush ruleset": table inet rawtune
# goes with it. status calls that drift; repair --follow, told of the new
# generation by the kernel, applies the profile again within a second.
H nft flush ruleset
H "$RAWTUNE" apply web --port 8080 >/dev/null || fail "apply before the reload"
# not through H: a function would run in a subshell, and $! be its pid, not
# rawtune's (ip netns exec and libtool's wrapper exec the program)
ip netns exec "$host" "$RAWTUNE" repair --follow >"$TEST_TMP/follow" 2>&1 &
follower=$!
sleep 0.5
H nft -f - <<'NFT' || fail "cannot reload the firewall"
flush ruleset
table inet filter {
	chain input {
		type filter hook input priority 0; policy accept;
		ct state invalid drop
	}
}
NFT
for i in $(seq 50); do
	[ "$(table | grep -c 'comment "rawtune:web"')" -eq 4 ] && break
	sleep 0.1
done
kill $follower
wait $follower 2>/dev/null
ip netns pids "$host" | grep -qx "$follower" && fail "repair --follow still runs after kill"
[ "$(table | grep -c 'comment "rawtune:web"')" -eq 4 ] ||
	fail "repair --follow did not put web back after the reload: $(cat "$TEST_TMP/follow")"
[ "$(grep -c 'web: repaired, 4 rules added' "$TEST_TMP/follow")" -eq 1 ] ||
	fail "repair --follow: $(cat "$TEST_TMP/follow")"
pass "a reload flushed table inet rawtune; repair --follow put web back in $((i * 100)) ms or less, once"
H nft flush ruleset
H "$RAWTUNE" status >"$TEST_TMP/out"
status=$?
[ $status -eq 3 ] && grep -q 'web: its rules are gone from the kernel' "$TEST_TMP/out" ||
	fail "status after a flush: exit $status: $(cat "$TEST_TMP/out")"
H "$RAWTUNE" repair >"$TEST_TMP/out" 2>&1 && grep -q 'web: repaired' "$TEST_TMP/out" ||
	fail "repair after a flush: $(cat "$TEST_TMP/out")"
H "$RAWTUNE" remove web >/dev/null
pass "status calls a flushed profile drift (exit 3), repair applies it again"
