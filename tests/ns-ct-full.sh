#!/bin/bash
# A conntrack table that overflows, and events that overflow their socket,
# in two namespaces joined by a veth pair (server 10.207.0.1, client .2):
# - with the event socket's buffer shrunk (tests/rcvbuf-shim.c), K new UDP
#   flows give new + lost = K in watch, lost > 0 and a warning line;
# - with the global nf_conntrack_max lowered to 1000 for a moment (the one
#   global knob: read first, restored in a trap), more UDP flows than that,
#   from many source ports, make "drop" rise in stats; watch warns that the
#   table is full and that packets were dropped; top names the load's port.
. "${TESTS_SRCDIR:?make check sets TESTS_SRCDIR}/lib.sh"
need_root_and ip iptables-legacy python3
need_shim rcvbuf-shim
MAX_FILE=/proc/sys/net/netfilter/nf_conntrack_max
[ -w "$MAX_FILE" ] || skip "needs a writable $MAX_FILE (the initial network namespace)"
PY=$(python3 -c 'import sys; print(sys.executable)') || fail "python3 does not run"
netns_setup

# From here on, whatever ends the test puts nf_conntrack_max back.
ORIG_MAX=$(cat "$MAX_FILE")
restore_max() {
	[ "$(cat "$MAX_FILE")" = "$ORIG_MAX" ] || echo "$ORIG_MAX" >"$MAX_FILE"
}
trap 'restore_max; netns_cleanup' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The limit is a multiple of 100: the kernel's garbage collector evicts
# unreplied entries down to nf_conntrack_max / 100 * 95, which for 256 is 190,
# a table 74% full that no longer looks full by the time watch samples it.
S=10.207.0.1 C=10.207.0.2 K=2000 LIMIT=1000 FLOWS=2500

netns_add server server
netns_add client client
netns_link "$server" s0 $S/24 "$client" c0 $C/24
# Conntrack runs in a namespace once a rule asks for it.
ip netns exec "$server" iptables-legacy -A INPUT -m conntrack --ctstate INVALID -j DROP ||
	fail "server rule"
in_server() { ip netns exec "$server" "$@"; }
# udp_flows N PORT: N datagrams from the client, each from a new socket (a new source
# port) to PORT, or to PORT, PORT+1, ... with "+"
udp_flows() {
	ip netns exec "$client" bash -c '
		for ((i = 0; i < $1; i++)); do
			echo x >/dev/udp/$2/$(($3 + ($4 ? i : 0)))
		done 2>/dev/null' - "$1" $S "${2%+}" "$([[ $2 == *+ ]] && echo 1 || echo 0)"
}
# first_line FILE: wait for a line in FILE (watch subscribed and sampled).
first_line() {
	for _ in $(seq 50); do
		[ -s "$1" ] && return
		sleep 0.1
	done
	fail "watch wrote no first line"
}

# ---- events lost -------------------------------------------------------------------
# The watcher stopped (SIGSTOP) while the flows are made: its tiny buffer
# overflows for certain, where a watcher that kept reading sometimes kept up,
# and its second line, after SIGCONT, counts every flow. (ip netns exec and
# libtool's wrapper exec the program: $! is rawtune's pid.)
LD_PRELOAD="$SHIM" RAWTUNE_RCVBUF=2048 ip netns exec "$server" "$RAWTUNE" watch --interval 2 \
	--count 2 --json >"$TEST_TMP/lost.out" &
watch=$!
first_line "$TEST_TMP/lost.out"
kill -STOP $watch
udp_flows $K 20000+
kill -CONT $watch
wait $watch || fail "watch failed"
"$PY" -c "import json, sys
k = $K
lines = [json.loads(l) for l in open(sys.argv[1])]
assert len(lines) == 2, lines
d = lines[1]
print('new events', d['new'], 'lost', d['lost'])
assert d['lost'] > 0, d
assert k <= d['new'] + d['lost'] <= k + 10, d
assert any('events lost' in w for w in d['warnings']), d['warnings']" "$TEST_TMP/lost.out" ||
	fail "events lost to a small buffer were not counted (above)"
pass "$K new flows with a tiny event buffer: new + lost = $K, with a warning"

# ---- the table overflows ----------------------------------------------------------------
in_server conntrack -F >/dev/null 2>&1
drop_before=$(in_server "$RAWTUNE" stats --json | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["drop"])') ||
	fail "stats --json failed"
# Stopped while the table fills, as above: its second line comes after the
# flows, never halfway through them on a slow machine.
ip netns exec "$server" "$RAWTUNE" watch --interval 1 --count 2 --json >"$TEST_TMP/full.out" &
watch=$!
first_line "$TEST_TMP/full.out"
kill -STOP $watch
echo $LIMIT >"$MAX_FILE"
udp_flows $FLOWS 9999
in_server "$RAWTUNE" stats --json >"$TEST_TMP/stats.json" || fail "stats --json failed"
in_server "$RAWTUNE" top --count 3 --json >"$TEST_TMP/top.json" || fail "top --json failed"
kill -CONT $watch
wait $watch || fail "watch failed"
restore_max
"$PY" -c "import json, sys
d = json.load(open(sys.argv[1]))
print('entries', d['entries'], 'of', d['max'], 'drop', $drop_before, '->', d['drop'],
      'early_drop', d['early_drop'])
assert d['max'] == $LIMIT and d['entries'] <= $LIMIT, d
assert d['drop'] > $drop_before, d
top = json.load(open(sys.argv[2]))
p = top['ports'][0]
assert (p['protocol'], p['port'], p['path']) == ('udp', 9999, 'in'), top
assert p['entries'] >= $LIMIT * 0.9 and p['command'] == 'rawtune apply udp-9999', p
w = json.loads(open(sys.argv[3]).read().splitlines()[1])['warnings']
assert any('% full' in x for x in w) and any('packets dropped' in x for x in w), w" \
	"$TEST_TMP/stats.json" "$TEST_TMP/top.json" "$TEST_TMP/full.out" ||
	fail "a full table is not reported as documented (above)"
pass "$FLOWS flows against nf_conntrack_max $LIMIT: drop rose, watch warned, top names udp 9999"
[ "$(cat "$MAX_FILE")" = "$ORIG_MAX" ] || fail "nf_conntrack_max not restored"
pass "nf_conntrack_max is back at $ORIG_MAX"
