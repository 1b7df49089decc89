#!/bin/bash
# Path MTU errors on an nftables firewall. An ICMP error about an untracked
# flow (fragmentation needed, packet too big) arrives in state invalid, not
# related, and rawtune writes no rule into the firewall's tables. So where a
# chain on input accepts such errors only as related, apply warns, with the
# nft command that lets them in; real errors about a real flow show both:
# accepted before rawtune (related), dropped under the profile (invalid),
# accepted again once the advised rules are in, with no warning then.
. "${TESTS_SRCDIR:?make check sets TESTS_SRCDIR}/lib.sh"
need_root_and ip nft python3
netns_setup
export RAWTUNE_BACKEND=nft

netns_add host pmtu
netns_add client pmtuc
netns_link "$host" h0 10.207.0.1/24 "$client" c0 10.207.0.2/24
ip -n "$host" addr add fd00:207::1/64 dev h0 nodad
ip -n "$client" addr add fd00:207::2/64 dev c0 nodad
H() { ip netns exec "$host" "$@"; }

# A listener that never accepts: the kernel completes the handshakes.
H python3 -c 'import socket, time
s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.bind(("::", 8080)); s.listen(64); time.sleep(300)' &
for _ in $(seq 100); do
	[ -n "$(H ss -Hltn 'sport = :8080')" ] && break
	sleep 0.1
done
[ -n "$(H ss -Hltn 'sport = :8080')" ] || fail "the listener on port 8080 did not start"

# The client connects to the server's port 8080 and sends the server an ICMP
# error about the segment the server sent it: fragmentation needed (IPv4) or
# packet too big (IPv6), as a router on the way would.
cat >"$TEST_TMP/icmp-error.py" <<'PY'
import socket, struct, sys

family, server, client = sys.argv[1], sys.argv[2], sys.argv[3]

def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF

af = socket.AF_INET if family == "4" else socket.AF_INET6
tcp = socket.create_connection((server, 8080), timeout=5)
cport = tcp.getsockname()[1]
segment = struct.pack("!HHI", 8080, cport, 1)  # the first 8 bytes of its TCP header
if family == "4":
    inner = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 40, 1, 0, 64, 6, 0,
                        socket.inet_pton(af, server), socket.inet_pton(af, client))
    inner = inner[:10] + struct.pack("!H", checksum(inner)) + inner[12:]
    body = struct.pack("!HH", 0, 1280) + inner + segment
    msg = struct.pack("!BBH", 3, 4, 0) + body
    msg = msg[:2] + struct.pack("!H", checksum(msg)) + msg[4:]
    raw = socket.socket(af, socket.SOCK_RAW, socket.IPPROTO_ICMP)
else:
    inner = struct.pack("!IHBB16s16s", 6 << 28, 20, 6, 64,
                        socket.inet_pton(af, server), socket.inet_pton(af, client))
    msg = struct.pack("!BBHI", 2, 0, 0, 1280) + inner + segment  # the kernel sums it
    raw = socket.socket(af, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
raw.sendto(msg, (server, 0))
tcp.close()
PY

# errors_in FAMILY: the server's count of the errors that reached its ICMP layer
errors_in() {
	if [ "$1" = 4 ]; then
		H awk '$1 == "Icmp:" && $2 !~ /^[0-9]/ { for (i = 2; i <= NF; i++) if ($i == "InDestUnreachs") col = i }
			$1 == "Icmp:" && $2 ~ /^[0-9]/ { print $col }' /proc/net/snmp
	else
		H awk '$1 == "Icmp6InPktTooBigs" { print $2 }' /proc/net/snmp6
	fi
}

# send_error WHAT FAMILY WANT: one error sent; WANT: passed or dropped
send_error() {
	local what=$1 family=$2 want=$3 to=10.207.0.1 from=10.207.0.2 before after got
	if [ "$family" = 6 ]; then
		to=fd00:207::1 from=fd00:207::2
	fi
	before=$(errors_in "$family")
	ip netns exec "$client" python3 "$TEST_TMP/icmp-error.py" "$family" "$to" "$from" ||
		fail "$what: the client could not connect to $to port 8080 and send the error"
	# on veth the error is delivered in the sender's system call; a second at most
	got=dropped
	for _ in $(seq 10); do
		after=$(errors_in "$family")
		[ "$after" -gt "$before" ] && got=passed && break
		sleep 0.1
	done
	[ "$got" = "$want" ] || fail "$what: the IPv$family path MTU error was $got, want $want"
}

# load_firewall WHAT: the nf_tables ruleset on stdin, in place of the one before
load_firewall() {
	H nft flush ruleset
	H nft -f - || fail "cannot load the $1 firewall"
}

# take_advice: run every nft command that apply's warnings ($TEST_TMP/err) print
take_advice() {
	sed -n 's/.*rate-limited[^:]*: nft //p' "$TEST_TMP/err" >"$TEST_TMP/advice"
	[ -s "$TEST_TMP/advice" ] || fail "no advice to take: $(cat "$TEST_TMP/err")"
	while read -r -a words; do
		H nft "${words[@]}" || fail "the advised command failed: nft ${words[*]}"
	done <"$TEST_TMP/advice"
}

case $(errors_in 4)/$(errors_in 6) in
[0-9]*/[0-9]*) ;;
*) fail "cannot read the ICMP counters: '$(errors_in 4)/$(errors_in 6)'" ;;
esac

load_firewall first <<'NFT'
table inet filter {
	chain input {
		type filter hook input priority filter; policy drop;
		iif lo accept
		ct state established,related accept
		ct state invalid drop
		icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert } accept
		tcp dport 8080 accept
	}
}
NFT

# ---- before rawtune: errors about tracked flows are related, accepted ---------
send_error "tracked" 4 passed
send_error "tracked" 6 passed

# ---- under the profile: the warning, and the errors dropped -------------------
H "$RAWTUNE" apply web --port 8080 >"$TEST_TMP/out" 2>"$TEST_TMP/err" ||
	fail "apply refused: $(cat "$TEST_TMP/err")"
related=$(H nft -a list chain inet filter input | sed -n 's/.*ct state established,related accept # handle \([0-9]*\)$/\1/p')
for rule in "icmp type destination-unreachable icmp code frag-needed" "icmpv6 type packet-too-big"; do
	grep -q "^rawtune: warning: path MTU: the nf_tables chain inet filter input .*state invalid (rule handle $related); to let them in, rate-limited: nft insert rule inet filter input position $related $rule ct state invalid limit rate 10/second burst 20 packets accept$" "$TEST_TMP/err" ||
		fail "apply: no path MTU warning for '$rule' before handle $related: $(cat "$TEST_TMP/err")"
done
[ "$(wc -l <"$TEST_TMP/err")" = 2 ] || fail "apply: more than the two warnings: $(cat "$TEST_TMP/err")"
H nft list table inet rawtune | grep -q 'tcp dport 8080 .*notrack' || fail "apply: no notrack rule"
send_error "untracked" 4 dropped
send_error "untracked" 6 dropped

# ---- the advised rules in: the errors pass, and apply says nothing more ------
take_advice
send_error "untracked, advice taken" 4 passed
send_error "untracked, advice taken" 6 passed
H "$RAWTUNE" apply web --port 8080 >"$TEST_TMP/out" 2>"$TEST_TMP/err" ||
	fail "apply after the advice: $(cat "$TEST_TMP/err")"
[ ! -s "$TEST_TMP/err" ] || fail "apply after the advice still warns: $(cat "$TEST_TMP/err")"

# ---- an invalid drop ahead of the related accept: the fix goes before it ----------
H "$RAWTUNE" remove web >/dev/null || fail "remove"
load_firewall invalid-first <<'NFT'
table inet filter {
	chain input {
		type filter hook input priority filter; policy drop;
		ct state invalid drop
		iif lo accept
		ct state established,related accept
		icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert } accept
		tcp dport 8080 accept
	}
}
NFT
invalid=$(H nft -a list chain inet filter input | sed -n 's/.*ct state invalid drop # handle \([0-9]*\)$/\1/p')
# the legacy backend beside this nf_tables firewall warns alike
RAWTUNE_BACKEND=legacy H "$RAWTUNE" apply web --port 8080 -4 >"$TEST_TMP/out" 2>"$TEST_TMP/err" ||
	fail "legacy apply: $(cat "$TEST_TMP/err")"
grep -q "path MTU: .*: nft insert rule inet filter input position $invalid icmp type destination-unreachable" "$TEST_TMP/err" ||
	fail "legacy apply: no path MTU warning before the invalid drop (handle $invalid): $(cat "$TEST_TMP/err")"
send_error "untracked by the legacy backend" 4 dropped
RAWTUNE_BACKEND=legacy H "$RAWTUNE" remove web >/dev/null || fail "legacy remove"
H "$RAWTUNE" apply web --port 8080 -4 >"$TEST_TMP/out" 2>"$TEST_TMP/err" ||
	fail "apply on the invalid-first firewall: $(cat "$TEST_TMP/err")"
[ "$(grep -c "path MTU: .*: nft insert rule inet filter input position $invalid icmp type destination-unreachable" "$TEST_TMP/err")" = 1 ] ||
	fail "apply -4: not one path MTU warning before handle $invalid: $(cat "$TEST_TMP/err")"
send_error "untracked, invalid dropped first" 4 dropped
take_advice
send_error "untracked, advice taken before the invalid drop" 4 passed

# ---- a firewall that accepts ICMP in any state needs nothing ---------------------
H "$RAWTUNE" remove web >/dev/null || fail "remove"
load_firewall icmp-accepting <<'NFT'
table ip filter {
	chain input {
		type filter hook input priority filter; policy drop;
		iif lo accept
		ip protocol icmp accept
		ct state established,related accept
		tcp dport 8080 accept
	}
}
NFT
H "$RAWTUNE" apply web --port 8080 -4 >"$TEST_TMP/out" 2>"$TEST_TMP/err" ||
	fail "apply on the icmp-accepting firewall: $(cat "$TEST_TMP/err")"
[ ! -s "$TEST_TMP/err" ] || fail "a firewall that accepts icmp drew a warning: $(cat "$TEST_TMP/err")"
send_error "untracked, icmp accepted" 4 passed
pass
