#!/bin/bash
# rawtune_ct_flush_profile() and rawtune_nftables_in_use() in two namespaces
# joined by a veth pair, through tests/ct-flush:
# - a server flush of port 8080 deletes exactly the entries of inbound
#   connections to 8080 (IPv4 and IPv6), and keeps those of port 9090 and of
#   the server's own outbound connections to 8080;
# - a client flush of 8080 deletes exactly those outbound ones;
# - NATed entries stay, also IPv6 DNAT within one /32 (which older
#   libnetfilter_conntrack's IS_DNAT missed: it compared 32 bits);
# - profile addresses narrow the flush to their prefixes, and to this
#   host's addresses within them;
# - nftables_in_use agrees with the iptables link and "nft list tables".
. "${TESTS_SRCDIR:?make check sets TESTS_SRCDIR}/lib.sh"
need_root_and ip nginx ab conntrack iptables-legacy-restore ip6tables-legacy-restore
netns_setup

CT_FLUSH="$(dirname "$RAWTUNE")/../tests/ct-flush"
[ -x "$CT_FLUSH" ] || fail "no helper $CT_FLUSH (make check builds it)"

S4=10.205.0.1 C4=10.205.0.2 S6=fd00:205::1 C6=fd00:205::2 S6B=fd00:205::3

# stateful_input NAT_RULE: a stateful ruleset. Conntrack runs in a namespace
# only once a rule asks for it, so each family gets one.
stateful_input() {
	cat <<RULES
*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
$1
COMMIT
*filter
:INPUT ACCEPT [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -i lo -j ACCEPT
-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A INPUT -p tcp -m conntrack --ctstate NEW -m multiport --dports 8080,8082,9090 -j ACCEPT
-A INPUT -p tcp -j REJECT --reject-with tcp-reset
COMMIT
RULES
}

netns_add server server
netns_add client client
netns_link "$server" s0 $S4/24 "$client" c0 $C4/24
ip -n "$server" addr add $S6/64 dev s0 nodad
ip -n "$server" addr add $S6B/64 dev s0 nodad
ip -n "$client" addr add $C6/64 dev c0 nodad
# Port 8081 is redirected to 8080; 8082 (IPv6) goes to another local address.
stateful_input "-A PREROUTING -p tcp --dport 8081 -j REDIRECT --to-ports 8080" |
	ip netns exec "$server" iptables-legacy-restore || fail "IPv4 ruleset"
stateful_input "-A PREROUTING -d $S6 -p tcp --dport 8082 -j DNAT --to-destination $S6B" |
	ip netns exec "$server" ip6tables-legacy-restore || fail "IPv6 ruleset"
start_nginx "$server" $S4:8080 web4
start_nginx "$server" "[$S6]:8080" web6
start_nginx "$server" "[$S6B]:8082" dnat6
start_nginx "$server" $S4:9090 other
start_nginx "$client" $C4:8080 remote

# bench NS URL N: N requests, up to 5 at a time (ab refuses more than N); all must complete.
bench() {
	local done

	done=$(ip netns exec "$1" ab -q -n "$3" -c $(($3 < 5 ? $3 : 5)) -s 5 "$2" 2>/dev/null |
		sed -n 's/^Complete requests: *//p')
	[ "$done" = "$3" ] || fail "${done:-0} of $3 requests to $2 from $1 completed"
}
bench "$client" http://$S4:8080/ 30
bench "$client" "http://[$S6]:8080/" 10
bench "$client" http://$S4:9090/ 5
bench "$server" http://$C4:8080/ 3
bench "$client" http://$S4:8081/ 3
bench "$client" "http://[$S6]:8082/" 3

# entries ARGS...: the server's conntrack entries that conntrack -L selects.
entries() {
	ip netns exec "$server" conntrack -L "$@" 2>/dev/null | grep -c .
}
inbound4() { entries -p tcp --dport 8080 -d $S4; }
inbound6() { entries -p tcp --dport 8080 -d $S6; }
other() { entries -p tcp --dport 9090 -d $S4; }
outbound() { entries -p tcp --dport 8080 -s $S4 -d $C4; }
nat() { echo $(($(entries -p tcp --dport 8081 -d $S4) + $(entries -p tcp --dport 8082 -d $S6))); }

# flush ARGS...: run the helper in the server namespace, print N of "deleted N".
flush() {
	local out

	out=$(ip netns exec "$server" "$CT_FLUSH" "$@") || fail "ct-flush $* failed"
	[[ "$out" =~ ^deleted\ ([0-9]+)$ ]] || fail "ct-flush $* printed '$out'"
	echo "${BASH_REMATCH[1]}"
}

in4=$(inbound4) in6=$(inbound6) n_other=$(other) n_out=$(outbound) n_nat=$(nat)
[ "$in4" -ge 30 ] && [ "$in6" -ge 10 ] && [ "$n_other" -ge 5 ] && [ "$n_out" -ge 3 ] &&
	[ "$n_nat" -ge 6 ] ||
	fail "before: $in4/$in6 inbound, $n_other other, $n_out outbound, $n_nat NATed entries;" \
		"want 30/10, 5, 3, 6"
pass "before: $in4+$in6 inbound 8080, $n_other inbound 9090, $n_out outbound 8080," \
	"$n_nat NATed entries"

n=$(flush 8081-8082 server)
[ "$n" -eq 0 ] && [ "$(nat)" -eq "$n_nat" ] ||
	fail "a server flush of 8081-8082 deleted $n NATed entries"
pass "NATed entries stay (IPv4 REDIRECT, IPv6 DNAT within one /32)"

n=$(flush 8080 server 192.0.2.0/24,2001:db8::1)
[ "$n" -eq 0 ] && [ "$(inbound4)" -eq "$in4" ] ||
	fail "a server flush for other addresses deleted $n entries"
pass "a server flush for addresses this host does not have deletes nothing"

# A profile of one family: the other family's entries stay.
n=$(flush 8080 server:ipv6)
[ "$n" -eq "$in6" ] && [ "$(inbound6)" -eq 0 ] && [ "$(inbound4)" -eq "$in4" ] ||
	fail "an IPv6 server flush deleted $n entries, $(inbound4)+$(inbound6) inbound remain;" \
		"want $in6 and $in4+0"
pass "an IPv6 server flush of 8080: the $n IPv6 entries deleted, the $in4 IPv4 ones kept"
bench "$client" "http://[$S6]:8080/" 10
in6=$(inbound6)

n=$(flush 8080 server)
[ "$n" -eq $((in4 + in6)) ] || fail "server flush deleted $n entries, want $in4+$in6"
[ "$(inbound4)" -eq 0 ] && [ "$(inbound6)" -eq 0 ] ||
	fail "after the server flush $(inbound4)+$(inbound6) inbound 8080 entries remain"
[ "$(other)" -eq "$n_other" ] || fail "the server flush of 8080 touched port 9090"
[ "$(outbound)" -eq "$n_out" ] || fail "the server flush deleted the server's own outbound entries"
pass "server flush of 8080: $n deleted, 9090 and outbound entries kept"

n=$(flush 8080 client)
[ "$n" -eq "$n_out" ] && [ "$(outbound)" -eq 0 ] ||
	fail "client flush deleted $n entries, $(outbound) outbound remain; want $n_out and 0"
[ "$(other)" -eq "$n_other" ] || fail "the client flush of 8080 touched port 9090"
pass "client flush of 8080: the $n outbound entries deleted"

# 10.205.0.0/24 holds the client too, but only the server's own end counts.
bench "$client" http://$S4:8080/ 5
bench "$server" http://$C4:8080/ 3
in4=$(inbound4) n_out=$(outbound)
n=$(flush 8080 client 10.205.0.0/24)
[ "$n" -eq "$n_out" ] && [ "$(outbound)" -eq 0 ] && [ "$(inbound4)" -eq "$in4" ] ||
	fail "client flush for 10.205.0.0/24 deleted $n entries, want the $n_out outbound only"
pass "client flush for 10.205.0.0/24: the $n outbound entries, not the $in4 inbound ones"

n=$(flush 9090 server 10.205.0.0/24)
[ "$n" -eq "$n_other" ] && [ "$(other)" -eq 0 ] ||
	fail "flush of 9090 to 10.205.0.0/24 deleted $n, $(other) remain; want $n_other and 0"
pass "a server flush narrowed to 10.205.0.0/24 deletes the $n entries of 9090"

# ---- rawtune_nftables_in_use ------------------------------------------------
# nftables [PATH]: what the helper prints in the server namespace, with PATH
# replaced when given.
nftables() {
	local out

	out=$(ip netns exec "$server" env ${1:+"PATH=$1"} "$CT_FLUSH" --nft) ||
		fail "ct-flush --nft failed"
	[[ "$out" =~ ^nftables\ ([01])$ ]] || fail "ct-flush --nft printed '$out'"
	echo "${BASH_REMATCH[1]}"
}

# PATH directories with an iptables linked as Debian's alternatives link
# it, to stand-ins for the real programs; each with the ls that libtool's
# wrapper around the helper runs.
fake="$TEST_TMP/fake"
mkdir -p "$fake"/{sbin,alternatives,none,legacy,nft}
for prog in xtables-legacy-multi xtables-nft-multi; do
	printf '#!/bin/sh\n' >"$fake/sbin/$prog"
	chmod +x "$fake/sbin/$prog"
done
ln -s "$fake/sbin/xtables-nft-multi" "$fake/alternatives/iptables"
ln -s "$fake/alternatives/iptables" "$fake/nft/iptables"
ln -s "$fake/sbin/xtables-legacy-multi" "$fake/legacy/iptables"
for dir in none legacy nft; do
	ln -s "$(command -v ls)" "$fake/$dir/ls"
done

iptables_nft=0
case $(readlink -f "$(command -v iptables)") in
*/*nft*) iptables_nft=1 ;;
esac
if command -v nft >/dev/null 2>&1; then
	tables=$(ip netns exec "$server" nft list tables | grep -c .)
	[ "$(nftables)" -eq $((iptables_nft && tables > 0)) ] ||
		fail "nftables_in_use disagrees: iptables nft=$iptables_nft, $tables tables"
	[ "$tables" -gt 0 ] || [ "$(nftables "$fake/nft")" -eq 0 ] ||
		fail "nftables in use with iptables-nft but no table"
	ip netns exec "$server" nft add table inet rawtune_test || fail "nft add table"
	[ "$(nftables)" -eq "$iptables_nft" ] ||
		fail "nftables_in_use disagrees with one table: iptables nft=$iptables_nft"
	[ "$(nftables "$fake/nft")" -eq 1 ] ||
		fail "nftables not in use with iptables-nft (through two links) and a table"
	[ "$(nftables "$fake/legacy")" -eq 0 ] || fail "nftables in use with iptables-legacy"
	[ "$(nftables "$fake/none")" -eq 0 ] || fail "nftables in use without iptables in PATH"
	pass "nftables_in_use agrees with iptables (nft=$iptables_nft) and nft ($tables, then 1 table)"
else
	[ "$(nftables "$fake/none")" -eq 0 ] || fail "nftables in use without iptables in PATH"
	nftables >/dev/null
	pass "nftables_in_use runs (no nft command to compare with)"
fi
