#!/bin/bash
# The verdict rule: rawtune untracks, it never opens. Each finding of the
# security review, with real packets between namespaces (tests/probe.sh):
# a banned host B and an allowed client C against a victim V whose firewall
# drops by default. Every probe is a whole exchange (connect, a line each
# way, or a datagram and its answer), made before and after apply.
. "${TESTS_SRCDIR:?make check sets TESTS_SRCDIR}/lib.sh"
. "$TESTS_SRCDIR/probe.sh"
need_root_and ip socat setpriv iptables-legacy-restore ip6tables-legacy-restore
netns_setup
export RAWTUNE_PROFILE_DIR="$TEST_TMP/profiles.d"
mkdir -p "$RAWTUNE_PROFILE_DIR"
chmod 0755 "$TEST_TMP" "$RAWTUNE_PROFILE_DIR"
probe_topology
for p in 80 2222 8080 8081 8082; do serve "$V" tcp $p; done
serve "$V" udp 5353
serve "$B" tcp 9999
serve "$B" udp 9999
serve "$C" tcp 80
sleep 0.3

# A RHEL-style firewall: ESTABLISHED first, NEW accepts per port, a ban
# above them, a source-restricted port, REJECT last; egress filtered too.
rhel_firewall() {
	firewall <<'RULES'
*filter
:INPUT DROP [0:0]
:FORWARD DROP [0:0]
:OUTPUT DROP [0:0]
-A INPUT -m state --state RELATED,ESTABLISHED -j ACCEPT
-A INPUT -i lo -j ACCEPT
-A INPUT -s 10.220.1.2/32 -p tcp -m tcp --dport 8080 -j DROP
-A INPUT -p tcp -m state --state NEW -m tcp --dport 80 -j ACCEPT
-A INPUT -p tcp -m state --state NEW -m tcp --dport 8080 -j ACCEPT
-A INPUT -s 10.220.2.0/24 -p tcp -m state --state NEW -m tcp --dport 8081 -j ACCEPT
-A INPUT -p udp -m state --state NEW -m udp --dport 11211 -j ACCEPT
-A INPUT -p tcp -m state --state NEW -m tcp --dport 11211 -j ACCEPT
-A INPUT -j REJECT
-A OUTPUT -m state --state RELATED,ESTABLISHED -j ACCEPT
-A OUTPUT -o lo -j ACCEPT
-A OUTPUT -p tcp -m tcp --dport 9999 -m owner --uid-owner 0 -j ACCEPT
-A OUTPUT -p tcp -m state --state NEW -m tcp --dport 80 -j ACCEPT
COMMIT
RULES
}
rhel_firewall
ip netns exec "$V" iptables-legacy-save -t filter | sed '/^#/d; s/\[[0-9:]*\]//' >"$TEST_TMP/filter-before"

# ---- before: what the firewall lets through ------------------------------------
expect "before: C reaches port 80" pass "$C" tcp 10.220.2.1 80
expect "before: banned B on 8080" drop "$B" tcp 10.220.1.1 8080
expect "before: C on 8081 (open to 10.220.2.0/24)" pass "$C" tcp 10.220.2.1 8081
expect "before: B on 8081" drop "$B" tcp 10.220.1.1 8081
expect "before: B from source port 80 to 2222" drop "$B" tcp 10.220.1.1 2222 80

# ---- 1. a client profile opened every local port to remote source port P --------
printf '%s\n' 'ports = 80' 'protocols = tcp' 'direction = client' >"$RAWTUNE_PROFILE_DIR/out80.conf"
rawtune_v apply out80 2>"$TEST_TMP/err" && fail "a client profile without peers was applied"
grep -q "needs 'peers ='" "$TEST_TMP/err" || fail "client without peers: $(cat "$TEST_TMP/err")"
pass "a client profile without peers is refused: $(cat "$TEST_TMP/err")"
printf '%s\n' 'ports = 53' 'protocols = udp' 'direction = client' 'peers = 10.220.2.2' \
	>"$RAWTUNE_PROFILE_DIR/resolver.conf"
rawtune_v apply resolver 2>"$TEST_TMP/err" && fail "a UDP client profile was applied"
pass "a UDP client profile is refused: $(cat "$TEST_TMP/err")"
echo 'peers = 10.220.2.2' >>"$RAWTUNE_PROFILE_DIR/out80.conf"
rawtune_v apply out80 >/dev/null || fail "client profile with peers: $(rawtune_v apply out80 2>&1)"
expect "client profile: B from source port 80 to 2222" drop "$B" tcp 10.220.1.1 2222 80
expect "client profile: the peer C from source port 80 to 2222" drop "$C" tcp 10.220.2.1 2222 80
expect "client profile: V reaches the peer's port 80" pass "$V" tcp 10.220.2.2 80
ip netns exec "$V" conntrack -F 2>/dev/null
expect "client profile: V reaches the peer's port 80 again" pass "$V" tcp 10.220.2.2 80
n=$(ip netns exec "$V" conntrack -L -p tcp --dport 80 -d 10.220.2.2 2>/dev/null | grep -c . || true)
[ "$n" -eq 0 ] || fail "client profile: $n conntrack entries for the peer's port 80, want 0"
pass "client profile: its flows to the peer are untracked"
rawtune_v remove out80 >/dev/null || fail "remove out80"

# ---- 4. the admin's own rules keep applying to untracked packets ---------------
rawtune_v apply web --port 80,8080,8081 >"$TEST_TMP/out" || fail "apply web: $(cat "$TEST_TMP/out")"
expect "web: C reaches port 80" pass "$C" tcp 10.220.2.1 80
expect "web: C reaches 8080" pass "$C" tcp 10.220.2.1 8080
expect "web: banned B on 8080" drop "$B" tcp 10.220.1.1 8080
expect "web: C on 8081 (its source is allowed)" pass "$C" tcp 10.220.2.1 8081
expect "web: B on 8081 (its source is not)" drop "$B" tcp 10.220.1.1 8081
expect "web: B from source port 80 to 2222" drop "$B" tcp 10.220.1.1 2222 80
# the flows of port 80 are untracked: new ones leave no entry
ip netns exec "$V" conntrack -F 2>/dev/null
expect "web: C reaches port 80 again" pass "$C" tcp 10.220.2.1 80
n=$(ip netns exec "$V" conntrack -L -p tcp --dport 80 2>/dev/null | grep -c . || true)
[ "$n" -eq 0 ] || fail "web: $n conntrack entries for port 80, want 0"
pass "web: no conntrack entry for port 80"
ip netns exec "$V" iptables-legacy-save -t filter | grep -c 'rawtune:web' >"$TEST_TMP/n"
[ "$(cat "$TEST_TMP/n")" -ge 4 ] || fail "web: $(cat "$TEST_TMP/n") twins in filter, want 6"
ip netns exec "$V" iptables-legacy-save -t filter |
	grep -q -- '-A INPUT -s 10.220.2.0/24 -p tcp .*--dport 8081 .*--ctstate UNTRACKED .*-j ACCEPT' ||
	fail "web: the twin of the 8081 accept lacks its source restriction"
pass "web: twins carry the original's restrictions"

# A ban added later, above everything, applies to untracked packets too;
# the next apply moves nothing and says nothing changed.
ip netns exec "$V" iptables-legacy -I INPUT 1 -s 10.220.2.2 -j DROP
expect "a later ban of C" drop "$C" tcp 10.220.2.1 80
ip netns exec "$V" iptables-legacy -t raw -I PREROUTING 1 -s 10.220.2.2 -j DROP
rawtune_v apply web --port 80,8080,8081 >"$TEST_TMP/out" || fail "re-apply failed"
grep -q "nothing changed" "$TEST_TMP/out" || fail "re-apply said: $(cat "$TEST_TMP/out")"
ip netns exec "$V" iptables-legacy -S INPUT | sed -n 2p | grep -qx -- '-A INPUT -s 10.220.2.2/32 -j DROP' ||
	fail "re-apply moved the ban"
ip netns exec "$V" iptables-legacy -t raw -S PREROUTING | sed -n 2p |
	grep -qx -- '-A PREROUTING -s 10.220.2.2/32 -j DROP' || fail "re-apply moved rawtune's raw jump above the ban"
expect "after re-apply, C is still banned" drop "$C" tcp 10.220.2.1 80
ip netns exec "$V" iptables-legacy -D INPUT -s 10.220.2.2 -j DROP
ip netns exec "$V" iptables-legacy -t raw -D PREROUTING -s 10.220.2.2 -j DROP

# A port the firewall closes stays closed: rawtune untracks, it does not open.
rawtune_v apply web --port 8082 2>"$TEST_TMP/err" && fail "apply on a closed port succeeded"
grep -q "does not accept" "$TEST_TMP/err" || fail "closed port: $(cat "$TEST_TMP/err")"
pass "a closed port is refused: $(cat "$TEST_TMP/err")"
expect "the refused apply left web in place" pass "$C" tcp 10.220.2.1 8080

# ---- 6. ICMP: only fragmentation-needed, only where RELATED was accepted, limited --
ip netns exec "$V" iptables-legacy-save -t filter | grep -- '-p icmp' | grep 'rawtune:' >"$TEST_TMP/icmp" || true
[ "$(wc -l <"$TEST_TMP/icmp")" = 1 ] || fail "ICMP rules of rawtune's: $(cat "$TEST_TMP/icmp")"
grep -qx -- '-A INPUT -p icmp -m comment --comment "rawtune:web" -m icmp --icmp-type 3/4 -m limit --limit 10/sec --limit-burst 20 -m conntrack --ctstate INVALID -j ACCEPT' \
	"$TEST_TMP/icmp" || fail "the ICMP twin: $(cat "$TEST_TMP/icmp")"
ip netns exec "$V" iptables-legacy -S INPUT | sed -n '2p;3p' | grep -c -- '--state RELATED,ESTABLISHED\|--icmp-type 3/4' |
	grep -qx 2 || fail "the ICMP twin is not directly before the RELATED accept"
pass "ICMP: one rate-limited fragmentation-needed twin, before the RELATED accept"
rawtune_v remove web >/dev/null || fail "remove web"
ip netns exec "$V" iptables-legacy-save -t filter | sed '/^#/d; s/\[[0-9:]*\]//' >"$TEST_TMP/filter-after"
assert_same "$TEST_TMP/filter-before" "$TEST_TMP/filter-after" "remove leaves the firewall as it was"

# ---- 3. egress: a local user binding the port gets nowhere the firewall forbids --
expect "before: nobody from source port 11211 to B:9999 (tcp)" drop "$V" tcp 10.220.1.2 9999 11211 nobody
expect "before: root reaches B:9999" pass "$V" tcp 10.220.1.2 9999
rawtune_v apply memcached 2>"$TEST_TMP/err" && fail "memcached (UDP, unprivileged port, OUTPUT filtered) was applied without owner"
grep -q "owner" "$TEST_TMP/err" || fail "memcached: $(cat "$TEST_TMP/err")"
pass "UDP on an unprivileged port behind a filtered OUTPUT needs owner: $(cat "$TEST_TMP/err")"
printf '%s\n' 'ports = 11211' 'protocols = tcp, udp' 'owner = daemon' >"$RAWTUNE_PROFILE_DIR/memcached.conf"
rawtune_v apply memcached >/dev/null || fail "memcached with owner: $(rawtune_v apply memcached 2>&1)"
expect "memcached: nobody from source port 11211 to B:9999 (tcp)" drop "$V" tcp 10.220.1.2 9999 11211 nobody
expect "memcached: nobody from source port 11211 to B:9999 (udp)" drop "$V" udp 10.220.1.2 9999 11211 nobody
serve "$V" udp 11211 daemon
sleep 0.3
expect "memcached: C's datagram to 11211 is answered" pass "$C" udp 10.220.2.1 11211
n=$(ip netns exec "$V" conntrack -L -p udp --dport 11211 2>/dev/null | grep -c . || true)
[ "$n" -eq 0 ] || fail "memcached: $n conntrack entries for udp 11211, want 0"
pass "memcached: the service's datagrams are untracked"
rawtune_v remove memcached >/dev/null || fail "remove memcached"

# ---- a firewall without a loopback accept: the twins a local client needs are
# loopback's alone; a banned host's lone segments from the port stay out -------
if command -v hping3 >/dev/null; then
	firewall <<'RULES'
*filter
:INPUT DROP [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -m state --state RELATED,ESTABLISHED -j ACCEPT
-A INPUT -s 10.220.1.2/32 -j DROP
-A INPUT -p tcp -m state --state NEW -m tcp --dport 80 -j ACCEPT
COMMIT
RULES
	[ "$(bare "$B" 10.220.1.1 80 80)" = drop ] || fail "before: banned B's lone ACK from port 80 got in"
	rawtune_v apply web --port 80 -4 >/dev/null || fail "apply web on the firewall without lo"
	got=$(bare "$B" 10.220.1.1 80 80)
	[ "$got" = drop ] || fail "banned B's lone ACK from source port 80 to port 80 got in after apply"
	expect "no lo accept: C reaches port 80" pass "$C" tcp 10.220.2.1 80
	pass "no lo accept: banned B's lone segments from the port stay out"
	rawtune_v remove web >/dev/null || fail "remove web"
	rhel_firewall
else
	echo "SKIP part: lone segments need hping3"
fi

# ---- IPv6: the same firewall, the same guarantees ------------------------------
ip netns exec "$V" ip6tables-legacy-restore <<'RULES' || fail "ipv6 firewall"
*filter
:INPUT DROP [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -m state --state RELATED,ESTABLISHED -j ACCEPT
-A INPUT -i lo -j ACCEPT
-A INPUT -p ipv6-icmp -j ACCEPT
-A INPUT -s fd20:1::2/128 -p tcp -m tcp --dport 8080 -j DROP
-A INPUT -p tcp -m state --state NEW -m tcp --dport 8080 -j ACCEPT
-A INPUT -j REJECT
COMMIT
RULES
rawtune_v apply web --port 8080 >/dev/null || fail "apply web on ipv6"
expect "ipv6: C reaches 8080" pass "$C" tcp fd20:2::1 8080
expect "ipv6: banned B on 8080" drop "$B" tcp fd20:1::1 8080
expect "ipv6: B from source port 8080 to 2222" drop "$B" tcp fd20:1::1 2222 8080
rawtune_v remove web >/dev/null || fail "remove web"
