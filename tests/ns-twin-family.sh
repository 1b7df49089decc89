#!/bin/bash
# A profile whose peers are IPv4 addresses only untracks nothing over IPv6,
# on a dual-stack legacy firewall (INPUT DROP, ESTABLISHED and a NEW accept
# of 8080 in both families). Two namespaces, a server S and a client C with
# two IPv4 addresses (the peer and another host) and an IPv6 one; real
# requests, the conntrack entries they leave in S, what rawtune says and
# the rules in the kernel:
# - apply: twins and notrack rules in IPv4 only, no rawtune line at all in
#   ip6tables-legacy-save, no twin on lo (the peer is another host); the
#   line says ipv4, status says ipv4;
# - the flush deletes exactly the entries of the peer's flows: those of the
#   other IPv4 host and of IPv6 stay;
# - the peer is served untracked, the other host and the IPv6 client are
#   served and tracked;
# - a twin in ip6 filter is drift (status exit 3), and repair takes it away;
# - apply -6 is a usage error (exit 2, one rawtune: line), no rule changed.
. "${TESTS_SRCDIR:?make check sets TESTS_SRCDIR}/lib.sh"
need_root_and ip nginx ab conntrack iptables-legacy-restore ip6tables-legacy-restore \
	iptables-legacy-save ip6tables-legacy-save
netns_setup

S4=10.233.0.1 PEER=10.233.0.2 OTHER=10.233.0.3 S6=fd33::1 C6=fd33::2
N=10

netns_add S server
netns_add C client
netns_link "$S" s0 $S4/24 "$C" c0 $PEER/24
ip -n "$C" addr add $OTHER/24 dev c0
ip -n "$S" addr add $S6/64 dev s0 nodad
ip -n "$C" addr add $C6/64 dev c0 nodad
S() { ip netns exec "$S" "$@"; }
rawtune() { S "$RAWTUNE" "$@"; }

# The same firewall in both families; IPv6 also needs neighbour discovery.
firewall() {
	cat <<RULES
*filter
:INPUT DROP [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
$1
-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A INPUT -p tcp -m tcp --dport 8080 -m conntrack --ctstate NEW -j ACCEPT
COMMIT
RULES
}
firewall "" | S iptables-legacy-restore || fail "IPv4 firewall"
firewall "-A INPUT -p ipv6-icmp -j ACCEPT" | S ip6tables-legacy-restore || fail "IPv6 firewall"
start_nginx "$S" "8080; listen [::]:8080" web

export RAWTUNE_PROFILE_DIR="$TEST_TMP/profiles.d"
mkdir -p "$RAWTUNE_PROFILE_DIR"
chmod 0755 "$TEST_TMP" "$RAWTUNE_PROFILE_DIR"
printf '%s\n' 'ports = 8080' "peers = $PEER" >"$RAWTUNE_PROFILE_DIR/peer4.conf"

# served FROM URL WHAT: N requests from C to URL, from the address FROM
# (curl --interface), every one answered.
served() {
	local i ok=0

	for i in $(seq $N); do
		ip netns exec "$C" curl -s -m 5 --interface "$1" -o /dev/null "$2" && ok=$((ok + 1))
	done
	[ $ok -eq $N ] || fail "$3: $ok of $N requests from $1 to $2 answered"
}

# entries SRC: S's conntrack entries of port 8080 from SRC.
entries() {
	local family=ipv4

	[[ $1 == *:* ]] && family=ipv6
	S conntrack -L -f $family -p tcp --dport 8080 -s "$1" 2>/dev/null | grep -c . || true
}

# ---- tracked flows before apply: the peer, the other host, IPv6 ------------------
served $PEER http://$S4:8080/ "before apply, the peer"
served $OTHER http://$S4:8080/ "before apply, another host"
served $C6 "http://[$S6]:8080/" "before apply, IPv6"
peer=$(entries $PEER) other=$(entries $OTHER) v6=$(entries $C6)
[ "$peer" -ge $N ] && [ "$other" -ge $N ] && [ "$v6" -ge $N ] ||
	fail "before apply: $peer/$other/$v6 entries of the peer/another host/IPv6, want $N each"
pass "before apply: $peer, $other and $v6 entries of the peer, another host and IPv6"

# ---- apply: IPv4 only, and only the peer's entries deleted --------------------------
st=0
rawtune apply peer4 >"$TEST_TMP/out" 2>"$TEST_TMP/err" || st=$?
[ $st -eq 0 ] || fail "apply peer4: exit $st: $(cat "$TEST_TMP/out" "$TEST_TMP/err")"
[ ! -s "$TEST_TMP/err" ] || fail "apply peer4 wrote on stderr: $(cat "$TEST_TMP/err")"
out=$(cat "$TEST_TMP/out")
[[ $out =~ ^peer4:\ ([0-9]+)\ rules\ added,\ ipv4\;\ ([0-9]+)\ conntrack\ entries\ deleted$ ]] ||
	fail "apply peer4 said '$out', want 'peer4: N rules added, ipv4; $peer conntrack entries deleted'"
added=${BASH_REMATCH[1]} deleted=${BASH_REMATCH[2]}
[ "$deleted" -eq "$peer" ] || fail "apply deleted $deleted entries, the peer had $peer"
[ "$(entries $PEER)" -eq 0 ] || fail "$(entries $PEER) entries of the peer left after apply"
[ "$(entries $OTHER)" -eq "$other" ] ||
	fail "apply deleted entries of another host: $(entries $OTHER) left of $other"
[ "$(entries $C6)" -eq "$v6" ] || fail "apply deleted IPv6 entries: $(entries $C6) left of $v6"
pass "apply: '$out': the peer's $peer entries, not the other host's $other nor IPv6's $v6"

S ip6tables-legacy-save >"$TEST_TMP/save6"
grep -i rawtune "$TEST_TMP/save6" && fail "rawtune lines in ip6tables-legacy-save (above)"
S iptables-legacy-save >"$TEST_TMP/save4"
grep -q -- '-A INPUT .*rawtune:peer4.*UNTRACKED -j ACCEPT' "$TEST_TMP/save4" ||
	fail "no IPv4 twin: $(cat "$TEST_TMP/save4")"
n=$(grep -c 'rawtune:peer4' "$TEST_TMP/save4")
[ "$n" -eq "$added" ] || fail "$n IPv4 rules of peer4, apply said $added"
# its peer is another host: nothing on lo is untracked, nothing there needs a twin
grep -- '-i lo .*rawtune:peer4' "$TEST_TMP/save4" && fail "twins on lo (above)"
pass "apply: $added rules, all in IPv4 (twins included, none on lo), nothing in ip6tables-legacy-save"

st=0
rawtune status >"$TEST_TMP/status" 2>&1 || st=$?
[ $st -eq 0 ] || fail "status: exit $st: $(cat "$TEST_TMP/status")"
grep -qx "peer4: applied, ipv4, $added rules" "$TEST_TMP/status" ||
	fail "status: $(cat "$TEST_TMP/status")"
pass "status: peer4 applied, ipv4, exit 0"

# ---- the service answers all: the peer untracked, the others tracked -----------------
S conntrack -F 2>/dev/null
served $PEER http://$S4:8080/ "applied, the peer"
served $OTHER http://$S4:8080/ "applied, another host"
served $C6 "http://[$S6]:8080/" "applied, IPv6"
peer=$(entries $PEER) other=$(entries $OTHER) v6=$(entries $C6)
[ "$peer" -eq 0 ] && [ "$other" -ge $N ] && [ "$v6" -ge $N ] ||
	fail "applied: $peer/$other/$v6 entries of the peer/another host/IPv6, want 0/$N/$N"
pass "applied: all answered; the peer untracked, $other and $v6 entries of the others"

# ---- a twin in IPv6 is drift, repair takes it away ----------------------------------
S ip6tables-legacy -I INPUT 1 -m comment --comment rawtune:peer4 -p tcp --dport 8080 \
	-m conntrack --ctstate UNTRACKED -j ACCEPT || fail "cannot add an IPv6 twin"
code=0
rawtune status >"$TEST_TMP/status" 2>&1 || code=$?
[ $code -eq 3 ] || fail "status with an IPv6 twin: exit $code, want 3: $(cat "$TEST_TMP/status")"
grep -q '^peer4: DRIFT' "$TEST_TMP/status" || fail "status: $(cat "$TEST_TMP/status")"
rawtune repair >"$TEST_TMP/out" 2>&1 || fail "repair: $(cat "$TEST_TMP/out")"
grep -qx 'peer4: repaired, 0 rules added, 1 removed' "$TEST_TMP/out" ||
	fail "repair said: $(cat "$TEST_TMP/out")"
S ip6tables-legacy-save | grep -i rawtune && fail "repair left rawtune lines in IPv6 (above)"
rawtune status >/dev/null 2>&1 || fail "status after repair: exit $?"
pass "an IPv6 twin is drift (status exit 3); repair removes it"

# ---- -6 untracks nothing: a usage error, no rule changed --------------------------------
legacy_saved "$S" >"$TEST_TMP/before"
st=0
rawtune apply peer4 -6 >"$TEST_TMP/out" 2>"$TEST_TMP/err" || st=$?
[ $st -eq 2 ] || fail "apply peer4 -6: exit $st, want 2: $(cat "$TEST_TMP/out" "$TEST_TMP/err")"
[ ! -s "$TEST_TMP/out" ] || fail "apply peer4 -6 said: $(cat "$TEST_TMP/out")"
head -n 1 "$TEST_TMP/err" | grep -q '^rawtune: peer4: -6: its peers are all of the other family' ||
	fail "apply peer4 -6: $(cat "$TEST_TMP/err")"
[ "$(grep -vc '^Try ' "$TEST_TMP/err")" -eq 1 ] || fail "apply peer4 -6: $(cat "$TEST_TMP/err")"
assert_same "$TEST_TMP/before" <(legacy_saved "$S") \
	"apply -6: refused ($(head -n 1 "$TEST_TMP/err")), no rule changed"

rawtune remove peer4 >/dev/null || fail "remove peer4"
no_rules_left "after remove" "$S"
pass "remove: nothing of rawtune left"
