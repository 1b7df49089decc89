#!/bin/bash
# forward = yes on a router: client C (10.221.1.2) reaches server S
# (10.221.2.2) through router R, whose FORWARD chain drops by default and
# accepts new flows from the clients' side to port 80. With the profile,
# the flows to S:80 are untracked on R, and nothing else passes R that did
# not pass before: not a source port 80 from either side to another port,
# not a client on the wrong side. Without peers, and with masquerading on
# the path, apply refuses.
. "${TESTS_SRCDIR:?make check sets TESTS_SRCDIR}/lib.sh"
. "$TESTS_SRCDIR/probe.sh"
need_root_and ip socat conntrack iptables-legacy-restore
netns_setup
export RAWTUNE_PROFILE_DIR="$TEST_TMP/profiles.d"
mkdir -p "$RAWTUNE_PROFILE_DIR"
chmod 0755 "$TEST_TMP" "$RAWTUNE_PROFILE_DIR"

netns_add C client
netns_add R router
netns_add S server
netns_link "$C" cr 10.221.1.2/24 "$R" rc 10.221.1.1/24
netns_link "$R" rs 10.221.2.1/24 "$S" sr 10.221.2.2/24
ip -n "$C" route add default via 10.221.1.1
ip -n "$S" route add default via 10.221.2.1
ip netns exec "$R" sysctl -qw net.ipv4.ip_forward=1
for p in 80 2222; do serve "$S" tcp $p; done
serve "$C" tcp 2222
sleep 0.3
ip netns exec "$R" iptables-legacy-restore <<'RULES' || fail "router firewall"
*filter
:INPUT DROP [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
-A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A FORWARD -i rc -o rs -p tcp -m conntrack --ctstate NEW -m tcp --dport 80 -j ACCEPT
COMMIT
RULES
rawtune_r() { ip netns exec "$R" "$RAWTUNE" "$@"; }

expect "before: C reaches S:80" pass "$C" tcp 10.221.2.2 80
expect "before: C from source port 80 to S:2222" drop "$C" tcp 10.221.2.2 2222 80
expect "before: S from source port 80 to C:2222" drop "$S" tcp 10.221.1.2 2222 80

printf '%s\n' 'ports = 80' 'protocols = tcp' 'forward = yes' 'interfaces = rc' >"$RAWTUNE_PROFILE_DIR/routed.conf"
rawtune_r apply routed 2>"$TEST_TMP/err" && fail "forward without peers was applied"
grep -q "needs 'peers ='" "$TEST_TMP/err" || fail "forward without peers: $(cat "$TEST_TMP/err")"
pass "forward without peers is refused"

echo 'peers = 10.221.2.2' >>"$RAWTUNE_PROFILE_DIR/routed.conf"
rawtune_r apply routed >"$TEST_TMP/out" 2>&1 || fail "apply routed: $(cat "$TEST_TMP/out")"
ip netns exec "$R" conntrack -F 2>/dev/null
expect "routed: C reaches S:80" pass "$C" tcp 10.221.2.2 80
n=$(ip netns exec "$R" conntrack -L -p tcp --dport 80 2>/dev/null | grep -c . || true)
[ "$n" -eq 0 ] || fail "routed: $n conntrack entries on the router for port 80, want 0"
pass "routed: the flows to S:80 are untracked on the router, replies from the other side included"
expect "routed: C from source port 80 to S:2222" drop "$C" tcp 10.221.2.2 2222 80
expect "routed: S from source port 80 to C:2222" drop "$S" tcp 10.221.1.2 2222 80
expect "routed: S to C:2222" drop "$S" tcp 10.221.1.2 2222
rawtune_r remove routed >/dev/null || fail "remove routed"

# Masquerading on the way to the server: untracked packets would skip it.
ip netns exec "$R" iptables-legacy -t nat -A POSTROUTING -o rs -j MASQUERADE
rawtune_r apply routed 2>"$TEST_TMP/err" && fail "forward through a MASQUERADE was applied"
pass "forward through a MASQUERADE is refused: $(cat "$TEST_TMP/err")"
expect "masqueraded: C still reaches S:80" pass "$C" tcp 10.221.2.2 80
