#!/bin/bash
# Real packets through the rules, in namespaces joined by veth pairs:
# - a client on the same host reaches the local server through loopback with
#   no conntrack entry, past a ruleset that rejects untracked packets;
# - a remote client reaches it with no conntrack entry either, through the
#   twins of the ruleset's NEW accept; again after a reload of the firewall
#   with its ESTABLISHED accept below the NEW one (status finds the drift,
#   apply repairs it);
# - this host's own connections to remote port P stay tracked;
# - a router that forwards and masquerades traffic to port P keeps tracking
#   and NATing it (the inbound rule matches only packets for this host).
. "${TESTS_SRCDIR:?make check sets TESTS_SRCDIR}/lib.sh"
need_root_and ip nginx ab conntrack iptables-legacy-restore
netns_setup

N=20
stateful_input() { # the host accepts NEW only on port $1, and nothing else on lo
	cat <<RULES
*filter
:INPUT ACCEPT [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
:FW - [0:0]
-A INPUT -j FW
-A FW -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A FW -p tcp -m conntrack --ctstate NEW -m tcp --dport $1 -j ACCEPT
-A FW -j REJECT
COMMIT
RULES
}

# ---- loopback, and this host as a client of a remote port P ---------------
netns_add host host
netns_add remote remote
netns_link "$host" h0 10.203.0.1/24 "$remote" r0 10.203.0.2/24
stateful_input 8080 | ip netns exec "$host" iptables-legacy-restore || fail "ruleset"
start_nginx "$host" 127.0.0.1:8080 local
start_nginx "$remote" 10.203.0.2:8080 remote
ip netns exec "$host" "$RAWTUNE" apply web --port 8080 >/dev/null || fail "apply in $host failed"
ip netns exec "$host" conntrack -F 2>/dev/null

done=$(requests "$host" http://127.0.0.1:8080/ $N)
[ "$done" = "$N" ] || fail "loopback: ${done:-0} of $N requests completed"
lo_entries=$(ip netns exec "$host" conntrack -L -p tcp --dport 8080 2>/dev/null | grep -c .)
[ "$lo_entries" -eq 0 ] || fail "loopback: $lo_entries conntrack entries for port 8080, want 0"
pass "loopback: $N/$N requests, 0 conntrack entries"

# A remote client of this host's server: untracked both ways, through the twins.
start_nginx "$host" 10.203.0.1:8080 public
remote_client() { # WHAT
	local done entries

	ip netns exec "$host" conntrack -F 2>/dev/null
	done=$(requests "$remote" http://10.203.0.1:8080/ $N)
	[ "$done" = "$N" ] || fail "$1: ${done:-0} of $N requests from the remote client completed"
	entries=$(ip netns exec "$host" conntrack -L -p tcp --dport 8080 -d 10.203.0.1 2>/dev/null | grep -c .)
	[ "$entries" -eq 0 ] || fail "$1: $entries conntrack entries for port 8080, want 0"
	pass "$1: $N/$N requests from a remote client, 0 conntrack entries"
}
remote_client "remote client"

done=$(requests "$host" http://10.203.0.2:8080/ $N)
[ "$done" = "$N" ] || fail "outbound: ${done:-0} of $N requests to the remote port completed"
out_entries=$(ip netns exec "$host" conntrack -L -p tcp --dport 8080 -d 10.203.0.2 2>/dev/null | grep -c .)
[ "$out_entries" -ge "$N" ] || fail "outbound: $out_entries entries, want $N: the host's own connections were untracked"
pass "this host's connections to remote port 8080 stay tracked ($out_entries entries)"


# ---- a router that masquerades forwarded traffic to port 80 -----------------
netns_add client client
netns_add router router
netns_add server server
netns_link "$client" c0 10.204.1.2/24 "$router" r1 10.204.1.1/24
netns_link "$router" r2 10.204.2.1/24 "$server" s0 10.204.2.2/24
ip -n "$client" route add default via 10.204.1.1
# The server has no route back to the client: only masqueraded replies return.
ip netns exec "$router" sysctl -qw net.ipv4.ip_forward=1
ip netns exec "$router" iptables-legacy-restore <<'RULES' || fail "router ruleset"
*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
-A POSTROUTING -o r2 -j MASQUERADE
COMMIT
*filter
:INPUT ACCEPT [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
-A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A FORWARD -i r1 -m conntrack --ctstate NEW -j ACCEPT
COMMIT
RULES
start_nginx "$server" 10.204.2.2:80 server
ip netns exec "$router" "$RAWTUNE" apply web --port 80 >/dev/null || fail "apply in $router failed"

done=$(requests "$client" http://10.204.2.2/ $N)
[ "$done" = "$N" ] || fail "forwarded: ${done:-0} of $N requests through the router completed"
sources=$(sort -u "$TEST_TMP/server.access" | tr '\n' ' ')
[ "$sources" = "10.204.2.1 " ] || fail "forwarded: the server saw sources '$sources', want the router's 10.204.2.1"
fwd_entries=$(ip netns exec "$router" conntrack -L -p tcp --dport 80 2>/dev/null | grep -c .)
[ "$fwd_entries" -ge "$N" ] || fail "forwarded: router tracks $fwd_entries flows, want $N"
pass "router: $N/$N forwarded requests masqueraded and tracked ($fwd_entries entries)"

# ---- back on the host: its firewall reloaded ------------------------------
# The firewall reloaded, its ESTABLISHED accept now below the NEW one: the
# twins are gone (status: drift, exit 3); apply puts back what this order
# needs, a twin for the SYN and one for the later segments.
ip netns exec "$host" iptables-legacy-restore <<'RULES' || fail "reload"
*filter
:INPUT ACCEPT [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
:FW - [0:0]
-A INPUT -j FW
-A FW -p tcp -m conntrack --ctstate NEW -m tcp --dport 8080 -j ACCEPT
-A FW -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A FW -j REJECT
COMMIT
RULES
st=0
ip netns exec "$host" "$RAWTUNE" status >/dev/null 2>&1 || st=$?
[ "$st" -eq 3 ] || fail "status after the reload exited $st, want 3 (drift)"
ip netns exec "$host" "$RAWTUNE" apply web --port 8080 >/dev/null || fail "apply after the reload failed"
remote_client "reloaded, ESTABLISHED below NEW"
