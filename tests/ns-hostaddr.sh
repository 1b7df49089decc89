#!/bin/bash
# top, the flush after apply and the NAT guard agree on which addresses are
# this host's and which flows NAT took, with real connections between two
# namespaces. The server carries 10.9.0.1/24 on lo, which makes all of
# 10.9.0.0/24 local (as 127.0.0.1/8 makes 127.0.0.0/8), and NAT on addresses
# of those prefixes that no interface holds:
# - connections from the client to 10.9.0.2:8090 go to this host: top says
#   "in" and advises tcp-8090 (not "fwd" and a forward profile, which apply
#   refuses without peers); following the advice, apply's flush deletes
#   their entries, and new connections stay untracked;
# - 10.9.0.3:8093 is DNATed in PREROUTING, 127.0.0.2:8091 in OUTPUT (the
#   server's own clients): top gives no command for either, apply refuses
#   both naming the nat rule (a guard that looked at interface addresses
#   only let them through, and the connections broke), the connections
#   still work, and with --force the flush leaves their entries;
# - an nf_tables nat rule for other sources takes port 8096: no entry of
#   the client's is NATed, but apply's guard over nf_tables refuses the
#   profile, so top gives no command for it either.
. "${TESTS_SRCDIR:?make check sets TESTS_SRCDIR}/lib.sh"
need_root_and ip nginx ab conntrack iptables-legacy-restore nft python3
netns_setup
export RAWTUNE_PROFILE_DIR="$TEST_TMP/profiles.d"
mkdir -p "$RAWTUNE_PROFILE_DIR"
PY=$(python3 -c 'import sys; print(sys.executable)') || fail "python3 does not run"

S=10.207.0.1 C=10.207.0.2

netns_add server server
netns_add client client
netns_link "$server" s0 $S/24 "$client" c0 $C/24
ip -n "$server" addr add 10.9.0.1/24 dev lo || fail "cannot add 10.9.0.1/24 to lo"
ip -n "$client" route add 10.9.0.0/24 via $S || fail "no route to 10.9.0.0/24"
# A stateful firewall (conntrack runs in a namespace only once a rule asks for it)
ip netns exec "$server" iptables-legacy-restore <<'RULES' || fail "server ruleset"
*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
-A PREROUTING -d 10.9.0.3/32 -p tcp --dport 8093 -j DNAT --to-destination 10.9.0.1:8094
-A OUTPUT -d 127.0.0.2/32 -p tcp --dport 8091 -j DNAT --to-destination 127.0.0.1:8092
COMMIT
*filter
:INPUT ACCEPT [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -i lo -j ACCEPT
-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A INPUT -p tcp -m conntrack --ctstate NEW -m multiport --dports 8090,8091,8093,8094,8096 -j ACCEPT
-A INPUT -p tcp -j REJECT --reject-with tcp-reset
COMMIT
RULES
# NAT in nf_tables too, as iptables-nft, Docker on it or firewalld write it;
# for other sources than the client, whose entries to 8096 are not NATed
ip netns exec "$server" nft -f - <<'NFT' || fail "server nf_tables nat"
table ip natx {
	chain pre {
		type nat hook prerouting priority dstnat;
		ip saddr 192.0.2.0/24 tcp dport 8096 dnat to 10.9.0.1:8094
	}
}
NFT
start_nginx "$server" 8090 app
start_nginx "$server" 8096 app2
start_nginx "$server" 8094 dnat
start_nginx "$server" 127.0.0.1:8092 local

in_server() { ip netns exec "$server" "$@"; }
# load NS URL N: N requests from NS; all must complete.
load() {
	local done

	done=$(requests "$1" "$2" "$3")
	[ "$done" = "$3" ] || fail "${done:-0} of $3 requests to $2 from $1 completed"
}
# entries PORT: the server's conntrack entries of connections to PORT.
entries() {
	in_server conntrack -L -p tcp --dport "$1" 2>/dev/null | grep -c .
}
# top_port PORT SCRIPT: run Python on top's --json object for PORT as "p".
top_port() {
	in_server "$RAWTUNE" top --count 50 --json >"$TEST_TMP/top.json" || fail "top --json failed"
	"$PY" -c "import json, sys
d = json.load(open(sys.argv[1]))
[p] = [x for x in d['ports'] if x['protocol'] == 'tcp' and x['port'] == $1]
$2" "$TEST_TMP/top.json" || { cat "$TEST_TMP/top.json"; fail "top, port $1: not as expected (above)"; }
}

load "$client" http://10.9.0.2:8090/ 30
load "$client" http://10.9.0.3:8093/ 10
load "$server" http://127.0.0.2:8091/ 10
load "$client" http://$S:8096/ 10
n8090=$(entries 8090) n8093=$(entries 8093) n8091=$(entries 8091) n8096=$(entries 8096)
[ "$n8090" -ge 30 ] && [ "$n8093" -ge 10 ] && [ "$n8091" -ge 10 ] && [ "$n8096" -ge 10 ] ||
	fail "before: $n8090, $n8093, $n8091, $n8096 entries of 8090, 8093, 8091, 8096;" \
		"want 30, 10, 10, 10"
pass "before: $n8090 entries of 10.9.0.2:8090, $n8093 of 10.9.0.3:8093, $n8091 of" \
	"127.0.0.2:8091, $n8096 of $S:8096"

# ---- an address of lo's prefix is this host's: top's path and advice ------------------
top_port 8090 "
assert p['path'] == 'in' and p['nat'] is False, p
assert p['entries'] >= $n8090, p
assert p['profile'] == 'tcp-8090' and p['command'] == 'rawtune apply tcp-8090', p
assert p['profile_text'] == 'ports = 8090\nprotocols = tcp\n', p
assert not [x for x in d['ports'] if x['port'] == 8090 and x['path'] != 'in'], d"
pass "top: the connections to 10.9.0.2:8090 are 'in', untracked by tcp-8090"

# Follow the advice as a user would: write the file top names, run its command.
"$PY" -c "import json, sys
p = [x for x in json.load(open(sys.argv[1]))['ports'] if x['port'] == 8090][0]
open(p['profile_file'], 'w').write(p['profile_text'])
print(p['command'])" "$TEST_TMP/top.json" >"$TEST_TMP/command" || fail "top's profile file"
read -r -a cmd <"$TEST_TMP/command"
[ "${cmd[0]}" = rawtune ] || fail "top's command: ${cmd[*]}"
in_server "$RAWTUNE" "${cmd[@]:1}" --json >"$TEST_TMP/apply.json" 2>"$TEST_TMP/apply.err" ||
	fail "top's advice, ${cmd[*]}, failed: $(cat "$TEST_TMP/apply.err")"
deleted=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["conntrack_deleted"])' \
	"$TEST_TMP/apply.json") || fail "apply --json: $(cat "$TEST_TMP/apply.json")"
[ "$deleted" -ge "$n8090" ] && [ "$(entries 8090)" -eq 0 ] ||
	fail "${cmd[*]}: $deleted entries deleted, $(entries 8090) of 8090 left; want $n8090, 0"
[ "$(entries 8093)" -eq "$n8093" ] || fail "${cmd[*]} deleted entries of 8093"
load "$client" http://10.9.0.2:8090/ 20
[ "$(entries 8090)" -eq 0 ] || fail "20 new connections to 10.9.0.2:8090 made $(entries 8090) entries"
pass "${cmd[*]}: the flush deleted the $deleted entries; 20 new connections stay untracked"

# ---- NAT on an address of lo's prefix, and of 127.0.0.0/8 -----------------------------
# expect_nat PORT RULE NS URL N: top gives no command for PORT; apply refuses
# its profile, naming RULE; the connections still work.
expect_nat() {
	local port=$1 rule=$2 err

	top_port "$port" "
assert p['path'] == 'in' and p['nat'] is True, p
assert p['command'] is None and p['profile'] is None and p['profile_file'] is None, p"
	in_server "$RAWTUNE" top --count 50 >"$TEST_TMP/top.txt" || fail "top failed"
	grep -A1 "^tcp  *$port in .*  -$" "$TEST_TMP/top.txt" | grep -q 'warning: NAT takes' ||
		{ cat "$TEST_TMP/top.txt"; fail "top, port $port: a command or no warning (above)"; }
	printf 'ports = %s\n' "$port" >"$RAWTUNE_PROFILE_DIR/tcp-$port.conf"
	rules >"$TEST_TMP/before"
	err=$(in_server "$RAWTUNE" apply "tcp-$port" 2>&1) &&
		fail "apply tcp-$port succeeded, although NAT takes its flows"
	[[ $err == *"NAT applies to its traffic"*"$rule"* ]] || fail "apply tcp-$port: $err"
	rules | cmp -s "$TEST_TMP/before" - || fail "the refused apply tcp-$port changed rules"
	load "$3" "$4" "$5"
	pass "port $port: top gives no command, apply refuses ($rule), connections work"
}
# The server's legacy rules without counters and dates.
rules() {
	in_server iptables-legacy-save | sed -e '/^#/d' -e 's/\[[0-9]*:[0-9]*\]$/[0:0]/'
}
expect_nat 8093 "rule 1 of the ipv4 nat chain PREROUTING (-j DNAT)" \
	"$client" http://10.9.0.3:8093/ 10
expect_nat 8091 "rule 1 of the ipv4 nat chain OUTPUT (-j DNAT)" \
	"$server" http://127.0.0.2:8091/ 10
# no entry NATed: only the guard, which apply runs over nf_tables as well, tells
expect_nat 8096 "nf_tables nat chain ip natx pre" "$client" http://$S:8096/ 10

n8093=$(entries 8093) n8091=$(entries 8091)
in_server "$RAWTUNE" apply tcp-8093 --force >/dev/null 2>&1 || fail "apply tcp-8093 --force failed"
in_server "$RAWTUNE" apply tcp-8091 --force >/dev/null 2>&1 || fail "apply tcp-8091 --force failed"
[ "$(entries 8093)" -eq "$n8093" ] && [ "$(entries 8091)" -eq "$n8091" ] ||
	fail "apply --force deleted NATed entries: $(entries 8093) of $n8093, $(entries 8091) of $n8091 left"
pass "apply --force: the flush leaves the $n8093 + $n8091 NATed entries"
