# Real packets between namespaces, for the verdict tests: sourced, not run.
#
# A victim namespace V is joined to two others by veth pairs: a banned host
# B (10.220.1.2, V is 10.220.1.1) and an allowed client C (10.220.2.2, V is
# 10.220.2.1), with IPv6 beside (fd20:1::/64, fd20:2::/64). Services are
# socat servers that read a line and answer "hi", for each connection or datagram; a probe
# says whether the answer came back, so it sees data both ways.

probe_topology() {
	netns_add V victim
	netns_add B banned
	netns_add C client
	netns_link "$V" vb 10.220.1.1/24 "$B" bv 10.220.1.2/24
	netns_link "$V" vc 10.220.2.1/24 "$C" cv 10.220.2.2/24
	ip -n "$V" addr add fd20:1::1/64 dev vb nodad
	ip -n "$B" addr add fd20:1::2/64 dev bv nodad
	ip -n "$V" addr add fd20:2::1/64 dev vc nodad
	ip -n "$C" addr add fd20:2::2/64 dev cv nodad
}

# serve NS tcp|udp PORT [USER]: a server answering "hi", in the background.
serve() {
	local kind=TCP6-LISTEN:$3,ipv6only=0,fork,reuseaddr run=()

	[ "$2" = udp ] && kind=UDP6-RECVFROM:$3,ipv6only=0,fork
	[ -n "${4:-}" ] && run=(setpriv --reuid="$4" --regid=nogroup --clear-groups)
	ip netns exec "$1" "${run[@]}" socat "$kind" SYSTEM:'read -r line; echo hi' 2>/dev/null &
}

# probe NS tcp|udp HOST PORT [SPORT [USER]]: prints "pass" or "drop".
# A whole exchange: connect (TCP), send a line, read the answer.
probe() {
	local ns=$1 proto=$2 host=$3 port=$4 sport=${5:-} user=${6:-} addr opts="" run=()

	case $host in
	*:*) addr="[$host]" ;;
	*) addr=$host ;;
	esac
	[ -n "$sport" ] && opts=",sourceport=$sport,reuseaddr"
	[ -n "$user" ] && run=(setpriv --reuid="$user" --regid=nogroup --clear-groups)
	if [ "$proto" = tcp ]; then
		opts="$opts,connect-timeout=1"
		addr="TCP:$addr:$port$opts"
	else
		addr="UDP:$addr:$port$opts"
	fi
	if echo x | ip netns exec "$ns" "${run[@]}" timeout 2 socat -T1 - "$addr" 2>/dev/null |
		grep -qx hi; then
		echo pass
	else
		echo drop
	fi
}

# expect WHAT WANT NS PROTO HOST PORT [SPORT [USER]]
expect() {
	local what=$1 want=$2 got

	shift 2
	got=$(probe "$@")
	[ "$got" = "$want" ] || fail "$what: $got, want $want ($*)"
	pass "$what: $got"
}

# A legacy filter ruleset for V from stdin (iptables-legacy-restore).
firewall() {
	ip netns exec "$V" iptables-legacy-restore || fail "firewall ruleset"
}

rawtune_v() {
	ip netns exec "$V" "$RAWTUNE" "$@"
}

# bare NS HOST PORT SPORT: one lone ACK segment (no connection) from NS;
# prints "pass" when the host's stack answered it (a RST: the firewall let it
# in), "drop" when nothing came back.
bare() {
	if ip netns exec "$1" timeout 3 hping3 -c 1 -A -k -s "$4" -p "$3" "$2" 2>/dev/null |
		grep -q 'flags=R'; then
		echo pass
	else
		echo drop
	fi
}
