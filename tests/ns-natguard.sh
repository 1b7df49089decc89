#!/bin/bash
# The NAT guard: apply refuses, naming the rule, where a nat rule could take
# the traffic a profile untracks (untracked packets skip NAT), and applies
# where none can: Docker's rules for other ports, its MASQUERADE of the
# container subnet, NAT for other protocols or other hosts' addresses. A
# client profile names its peers (here: hosts on the uplink's subnets);
# without them apply refuses it, in one line, before any NAT question.
. "${TESTS_SRCDIR:?make check sets TESTS_SRCDIR}/lib.sh"
need_root_and unshare iptables-legacy-restore ip6tables-legacy-restore
enter_netns "$@"

export RAWTUNE_PROFILE_DIR="$TEST_TMP/profiles.d"
mkdir -p "$RAWTUNE_PROFILE_DIR"
printf 'ports = 80\ndirection = client\npeers = 10.9.0.0/24, 2001:db8:9::/64\n' \
	>"$RAWTUNE_PROFILE_DIR/proxy.conf"
printf 'ports = 80\ndirection = client\n' >"$RAWTUNE_PROFILE_DIR/nopeers.conf"

# A Docker host: docker0 with the container subnet, eth1 the uplink.
ip link add docker0 type veth peer name dockerpeer
ip addr add 172.17.0.1/16 dev docker0
ip link add eth1 type veth peer name eth1peer
ip addr add 10.9.0.1/24 dev eth1
ip -6 addr add 2001:db8:9::1/64 dev eth1 nodad
ip link set docker0 up && ip link set eth1 up

docker_nat() { # the rules Docker writes, publishing container port 80 on host port $1
	cat <<RULES
*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:DOCKER - [0:0]
-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER
-A OUTPUT ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j DOCKER
-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE
-A POSTROUTING -s 172.17.0.2/32 -d 172.17.0.2/32 -p tcp -m tcp --dport 80 -j MASQUERADE
-A DOCKER -i docker0 -j RETURN
-A DOCKER ! -i docker0 -p tcp -m tcp --dport $1 -j DNAT --to-destination 172.17.0.2:80
COMMIT
RULES
}

# expect_refused PROFILE ARGS...: exit 1, one line naming the rule, no rule changed
expect_refused() {
	local what=$1 status
	shift
	save_all >"$TEST_TMP/before"
	"$RAWTUNE" apply "$@" >"$TEST_TMP/out" 2>"$TEST_TMP/err"
	status=$?
	[ $status -eq 1 ] || fail "$what: apply $* exit $status, want 1 (refused)"
	[ "$(wc -l <"$TEST_TMP/err")" -eq 1 ] || fail "$what: want one error line: $(cat "$TEST_TMP/err")"
	grep -q "NAT applies to its traffic: rule .* --force" "$TEST_TMP/err" ||
		fail "$what: $(cat "$TEST_TMP/err")"
	save_all >"$TEST_TMP/after"
	cmp -s "$TEST_TMP/before" "$TEST_TMP/after" || fail "$what: a refused apply changed rules"
	pass "$what: refused: $(cat "$TEST_TMP/err")"
}

expect_applied() {
	local what=$1
	shift
	"$RAWTUNE" apply "$@" >"$TEST_TMP/out" 2>"$TEST_TMP/err" ||
		fail "$what: apply $* refused: $(cat "$TEST_TMP/err")"
	"$RAWTUNE" remove --all >/dev/null || fail "remove --all failed"
	pass "$what: applied"
}

docker_nat 8080 | iptables-legacy-restore || fail "cannot load Docker's rules"
expect_applied "Docker publishing 8080, web on 80 and 443" web
expect_applied "Docker's MASQUERADE of its subnet, a client of port 80" proxy
expect_refused "Docker publishing 8080, web on 8080" web --port 8080
grep -q "rule 2 of the ipv4 nat chain DOCKER (-j DNAT, reached from PREROUTING)" "$TEST_TMP/err" ||
	fail "the error does not name the DOCKER rule and the way to it: $(cat "$TEST_TMP/err")"
"$RAWTUNE" apply web --port 8080 --force >/dev/null || fail "--force did not apply"
save4 | grep -q 'dport 8080.*rawtune:web' || fail "--force applied no rule"
"$RAWTUNE" remove --all >/dev/null
pass "--force applies anyway"

docker_nat 80 | iptables-legacy-restore || fail "cannot load Docker's rules"
expect_refused "Docker publishing 80" web

# NAT for another protocol, or for an address that is not this host's
iptables-legacy-restore <<'RULES' || fail "nat ruleset"
*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
-A PREROUTING -p udp -m udp --dport 80 -j DNAT --to-destination 10.9.0.5
-A PREROUTING -d 198.51.100.7/32 -p tcp -m tcp --dport 80 -j DNAT --to-destination 10.9.0.5
-A PREROUTING -p tcp -m multiport --dports 25,587 -j REDIRECT --to-ports 2525
-A POSTROUTING -o eth1 -p tcp -m tcp --dport 443 -j MASQUERADE
COMMIT
RULES
expect_applied "DNAT of udp 80, of another host's address, of other ports" web --port 80
expect_refused "MASQUERADE of a client's port 443 leaving eth1" proxy --port 443
expect_applied "a server's replies from port 443 (first packets are inbound)" web --port 443
expect_refused "a multiport REDIRECT naming port 587" web --port 587

# A local port redirect: a client on this host would no longer be redirected.
iptables-legacy-restore <<'RULES' || fail "nat ruleset"
*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
-A OUTPUT -p tcp -m tcp --dport 80 -j REDIRECT --to-ports 3128
COMMIT
RULES
expect_refused "REDIRECT of local connections to port 80" web
expect_refused "REDIRECT of this host's own connections to port 80" proxy
iptables-legacy -t nat -F OUTPUT

# IPv6: the guard reads ip6tables' nat table too, and -4 leaves it out.
ip6tables-legacy-restore <<'RULES' || fail "nat ruleset"
*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
-A PREROUTING -d 2001:db8:9::1/128 -p tcp -m tcp --dport 80 -j DNAT --to-destination [2001:db8:9::5]:80
COMMIT
RULES
expect_refused "IPv6 DNAT of this host's address, port 80" web --port 80
grep -q "ipv6 nat chain PREROUTING" "$TEST_TMP/err" || fail "not named as IPv6: $(cat "$TEST_TMP/err")"
expect_applied "the IPv6 DNAT is not IPv4's business" web --port 80 -4

# A client profile without peers: refused in one line, whatever NAT there is.
save_all >"$TEST_TMP/before"
st=0
"$RAWTUNE" apply nopeers >"$TEST_TMP/out" 2>"$TEST_TMP/err" || st=$?
[ "$st" -eq 1 ] || fail "a client profile without peers: apply exit $st, want 1"
save_all >"$TEST_TMP/after"
cmp -s "$TEST_TMP/before" "$TEST_TMP/after" || fail "a client profile without peers: apply changed rules"
[ "$(wc -l <"$TEST_TMP/err")" -eq 1 ] &&
	grep -q "^rawtune: nopeers: a client profile needs 'peers =' " "$TEST_TMP/err" ||
	fail "a client profile without peers: want one line 'rawtune: nopeers: a client profile needs 'peers =' ...': $(cat "$TEST_TMP/err")"
pass "a client profile without peers: refused: $(cat "$TEST_TMP/err")"

# A client's flows to another port that NAT sends to a peer's port 80: their
# replies from port 80 would be untracked and skip the reverse translation.
ip6tables-legacy -t nat -F PREROUTING
iptables-legacy-restore <<'RULES' || fail "nat ruleset"
*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
-A OUTPUT -p tcp -m tcp --dport 9000 -j DNAT --to-destination 10.9.0.5:80
COMMIT
RULES
save_all >"$TEST_TMP/before"
st=0
"$RAWTUNE" apply proxy --port 80 >"$TEST_TMP/out" 2>"$TEST_TMP/err" || st=$?
[ "$st" -eq 1 ] && [ "$(wc -l <"$TEST_TMP/err")" -eq 1 ] &&
	grep -q "NAT sends other flows to its port: rule 1 of the ipv4 nat chain OUTPUT (-j DNAT)" \
		"$TEST_TMP/err" ||
	fail "a DNAT of port 9000 to a peer's 80: exit $st: $(cat "$TEST_TMP/out" "$TEST_TMP/err")"
save_all >"$TEST_TMP/after"
cmp -s "$TEST_TMP/before" "$TEST_TMP/after" || fail "a refused client apply changed rules"
pass "a DNAT of port 9000 to a peer's port 80, a client of 80: refused: $(cat "$TEST_TMP/err")"
iptables-legacy -t nat -R OUTPUT 1 -p tcp --dport 9000 -j DNAT --to-destination 192.0.2.5:80
expect_applied "a DNAT of port 9000 to another host than the peers" proxy --port 80
