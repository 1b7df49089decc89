#!/bin/bash
# rawtune stats, watch and top with real traffic, in two namespaces joined
# by a veth pair (server 10.206.0.1 behind a stateful firewall, client
# 10.206.0.2):
# - after N connections to an untracked port, "saved" is within 10% of N,
#   and "entries" is the kernel's count (nf_conntrack_count);
# - apply records when the profile was applied, in RUN/netns-COOKIE/web (0644,
#   directories 0755), re-applying the same rules keeps it, remove deletes
#   it; without it the time is unknown (null);
# - top names the tracked ports the load used, first the busiest, with the
#   command that untracks each (a built-in profile, or a profile file) and
#   NAT where a REDIRECT takes the port;
# - watch --count 2 --json gives 2 parseable lines; with K new connections
#   during watch, the NEW events counted are K (or lost events reported);
# - stats --prometheus (once) and watch --prometheus write a file that a
#   strict parser (and promtool, when installed) accepts, with the documented
#   metrics, types and values and no temporary file left behind.
. "${TESTS_SRCDIR:?make check sets TESTS_SRCDIR}/lib.sh"
need_root_and ip nginx ab iptables-legacy-restore python3
netns_setup
export RAWTUNE_RUN_DIR="$TEST_TMP/run"
# The interpreter itself: a version manager's shim can take seconds to start.
PY=$(python3 -c 'import sys; print(sys.executable)') || fail "python3 does not run"

S=10.206.0.1 C=10.206.0.2 N=200 K=300

netns_add server server
netns_add client client
netns_link "$server" s0 $S/24 "$client" c0 $C/24
ip netns exec "$server" iptables-legacy-restore <<'RULES' || fail "server ruleset"
*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
-A PREROUTING -p tcp --dport 8081 -j REDIRECT --to-ports 8082
COMMIT
*filter
:INPUT ACCEPT [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A INPUT -p tcp -m conntrack --ctstate NEW -m multiport --dports 80,443,8080,8082 -j ACCEPT
-A INPUT -p tcp -j REJECT --reject-with tcp-reset
COMMIT
RULES
start_nginx "$server" $S:80 web
start_nginx "$server" $S:443 tls
start_nginx "$server" $S:8080 alt
# 8081 is redirected to 8082: to 8080 it would make 8080 a port NAT sends flows to
start_nginx "$server" $S:8082 redirected

in_server() { ip netns exec "$server" "$@"; }
# load PORT N: N connections from the client; all must complete.
load() {
	local done

	done=$(requests "$client" "http://$S:$1/" "$2")
	[ "$done" = "$2" ] || fail "${done:-0} of $2 requests to port $1 completed"
}
# json NAME SCRIPT: run Python on $TEST_TMP/NAME.json (one line) as "d".
json() {
	"$PY" -c "import json, sys
raw = open(sys.argv[1], 'rb').read()
assert raw.endswith(b'\\n') and raw.count(b'\\n') == 1, 'not one line'
d = json.loads(raw)
$2" "$TEST_TMP/$1.json" || fail "$1: the JSON is not as expected (above)"
}

# ---- saved, and when the profile was applied -----------------------------------
in_server "$RAWTUNE" apply web --port 80 >/dev/null || fail "apply web failed"
# the server's namespace is the only one with a record: its cookie's directory
state=$(echo "$RAWTUNE_RUN_DIR"/netns-*/web)
[ -f "$state" ] || fail "apply wrote no $RAWTUNE_RUN_DIR/netns-COOKIE/web: $state"
key=${state%/web}
key=${key##*/}
[ "$(stat -c %a "$RAWTUNE_RUN_DIR") $(stat -c %a "${state%/web}") $(stat -c %a "$state")" = \
	"755 755 644" ] || fail "state modes: $(stat -c '%n %a' "$RAWTUNE_RUN_DIR" "${state%/web}" "$state")"
applied=$(cat "$state")
[ $((applied - $(date +%s))) -le 0 ] && [ $(($(date +%s) - applied)) -lt 60 ] ||
	fail "$state holds '$applied', not the time of apply"
pass "apply recorded the time in $key/web (modes 755, 755, 644)"

load 80 $N
in_server "$RAWTUNE" stats --json >"$TEST_TMP/stats.json" || fail "stats --json failed"
json stats "
n = $N
for key in ('entries', 'max', 'drop', 'early_drop', 'insert_failed', 'invalid',
            'search_restart', 'saved', 'profiles'):
    assert key in d, key
assert n * 0.9 <= d['saved'] <= n * 1.1, ('saved', d['saved'], n)
[p] = d['profiles']
assert p['name'] == 'web' and p['saved'] == d['saved'], p
assert isinstance(p['seconds'], int) and 0 <= p['seconds'] < 60, p"
pass "saved after $N connections to the untracked port 80: $("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["saved"])' "$TEST_TMP/stats.json")"


# Per profile, what was saved and over how long, in words that say it is past.
in_server "$RAWTUNE" stats | grep -Eq '^  web: [0-9]+ entr(y|ies) saved over the last [0-9]+s$' ||
	fail "stats: no 'web: N entries saved over the last Ns': $(in_server "$RAWTUNE" stats)"
in_server "$RAWTUNE" apply web --port 80 >/dev/null || fail "apply web again failed"
[ "$(cat "$state")" = "$applied" ] || fail "re-applying the same rules changed the time"
rm "$state"
in_server "$RAWTUNE" stats --json >"$TEST_TMP/unknown.json" || fail "stats --json failed"
json unknown "assert d['profiles'][0]['seconds'] is None, d"
in_server "$RAWTUNE" stats | grep -Eq '^  web: [0-9]+ entr(y|ies) saved since an unknown time$' ||
	fail "stats does not say the time of web is unknown"
pass "without the state file the time is unknown (null)"

# ---- stats --prometheus and watch --prometheus ------------------------------------
mkdir "$TEST_TMP/textfile"
prom="$TEST_TMP/textfile/rawtune.prom"
# check_prom WHAT: the file parses as documented, with web's numbers; promtool
# agrees when it is installed (only that part is skipped without it).
check_prom() {
	local saved

	[ "$(ls -A "$TEST_TMP/textfile")" = rawtune.prom ] ||
		fail "$1: the textfile directory holds: $(ls -A "$TEST_TMP/textfile")"
	saved=$(in_server "$RAWTUNE" stats --json | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["saved"])')
	"$PY" - "$prom" "$saved" "$applied" <<'PY' || fail "$1: the Prometheus file does not parse as documented (above)"
import re, sys
want = {
    'rawtune_build_info': 'gauge',
    'rawtune_conntrack_entries': 'gauge', 'rawtune_conntrack_entries_limit': 'gauge',
    'rawtune_conntrack_drops_total': 'counter', 'rawtune_conntrack_early_drops_total': 'counter',
    'rawtune_conntrack_insert_failed_total': 'counter', 'rawtune_conntrack_invalid_total': 'counter',
    'rawtune_conntrack_search_restart_total': 'counter',
    'rawtune_profile_applied': 'gauge', 'rawtune_profile_applied_timestamp_seconds': 'gauge',
    'rawtune_profile_saved_entries_total': 'counter',
    'rawtune_rule_packets_total': 'counter', 'rawtune_rule_bytes_total': 'counter',
}
events = {'rawtune_events_new_total', 'rawtune_events_destroy_total', 'rawtune_events_lost_total'}
name = r'[a-zA-Z_:][a-zA-Z0-9_:]*'
label = r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"'
helps, types, samples = {}, {}, {}
for line in open(sys.argv[1]).read().split('\n')[:-1]:
    if line.startswith('# HELP '):
        m = re.fullmatch(r'# HELP (%s) (.+)' % name, line)
        assert m and m[1] not in helps, line
        helps[m[1]] = m[2]
    elif line.startswith('# TYPE '):
        m = re.fullmatch(r'# TYPE (%s) (counter|gauge)' % name, line)
        assert m and m[1] in helps and m[1] not in types, line
        assert m[2] == 'gauge' or m[1].endswith('_total'), line
        types[m[1]] = m[2]
    else:
        m = re.fullmatch(r'(%s)(\{%s(?:,%s)*\})? ([0-9]+)' % (name, label, label), line)
        assert m and m[1] in types, line
        samples[m[1] + (m[2] or '')] = int(m[3])
got = {k: v for k, v in types.items() if k not in events}
assert got == want, got
assert samples['rawtune_conntrack_entries_limit'] > 0, samples
assert abs(samples['rawtune_profile_saved_entries_total{profile="web"}'] - int(sys.argv[2])) <= 2, samples
assert samples['rawtune_profile_applied{profile="web"}'] == 1, samples
assert samples['rawtune_profile_applied_timestamp_seconds{profile="web"}'] == int(sys.argv[3]), samples
raw = 'rawtune_rule_%s_total{profile="web",family="ipv4",table="raw"}'
assert samples[raw % 'packets'] > 0 and samples[raw % 'bytes'] > samples[raw % 'packets'], samples
assert [k for k in samples if k.startswith('rawtune_build_info{version="')] , samples
PY
	if command -v promtool >/dev/null; then
		promtool check metrics <"$prom" || fail "$1: promtool check metrics finds faults (above)"
	else
		echo "SKIP (part): no promtool to check the file with"
	fi
}
# the state file was removed above: apply anew for a known time
in_server "$RAWTUNE" remove web >/dev/null || fail "remove web failed"
in_server "$RAWTUNE" apply web --port 80 >/dev/null || fail "apply web failed"
applied=$(cat "$state")
load 80 20
out=$(in_server "$RAWTUNE" stats --prometheus "$prom") || fail "stats --prometheus failed"
[ -z "$out" ] || fail "stats --prometheus printed: $out"
check_prom "stats --prometheus"
in_server "$RAWTUNE" watch --interval 1 --count 1 --prometheus "$prom" >/dev/null ||
	fail "watch --prometheus failed"
check_prom "watch --prometheus"
grep -q '^rawtune_events_new_total [0-9]*$' "$prom" || fail "watch --prometheus: no event counters"
pass "stats --prometheus and watch --prometheus: the documented metrics, types and values"

# bad input: one line (and the usage hint), exit 2 or 1, nothing written
before=$(md5sum <"$prom")
err=$(in_server "$RAWTUNE" stats --prometheus "" 2>&1); rc=$?
[ $rc -eq 2 ] && [[ $err == "rawtune: --prometheus needs a file name"$'\n'"Try "* ]] ||
	fail "stats --prometheus '': exit $rc, '$err'"
err=$(in_server "$RAWTUNE" stats --json --prometheus "$prom" 2>&1); rc=$?
[ $rc -eq 2 ] && [[ $err == rawtune:* ]] || fail "stats --json --prometheus: exit $rc, '$err'"
err=$(in_server "$RAWTUNE" stats --prometheus "$TEST_TMP/nonexistent/rawtune.prom" 2>&1); rc=$?
[ $rc -eq 1 ] && [ "$(echo "$err" | wc -l)" -eq 1 ] && [[ $err == "rawtune: cannot write "* ]] ||
	fail "stats --prometheus into a missing directory: exit $rc, '$err'"
[ "$(md5sum <"$prom")" = "$before" ] && [ "$(ls -A "$TEST_TMP/textfile")" = rawtune.prom ] ||
	fail "a refused stats --prometheus changed the textfile directory"
pass "stats --prometheus: bad file names refused in one line"

# ---- top ----------------------------------------------------------------------------
load 8080 $K
load 443 50
load 8081 20
in_server "$RAWTUNE" top --count 5 --json >"$TEST_TMP/top.json" || fail "top --json failed"
json top "
k = $K
p = d['ports']
assert d['total'] >= k + 70, d['total']
assert [(x['protocol'], x['port'], x['path']) for x in p[:3]] == \
    [('tcp', 8080, 'in'), ('tcp', 443, 'in'), ('tcp', 8081, 'in')], p
assert k * 0.9 <= p[0]['entries'] <= k * 1.1, p[0]
assert p[0]['nat'] is False and p[0]['profile'] == 'tcp-8080', p[0]
assert p[0]['command'] == 'rawtune apply tcp-8080', p[0]
assert p[0]['profile_text'] == 'ports = 8080\nprotocols = tcp\n', p[0]
assert p[0]['profile_file'].endswith('/tcp-8080.conf'), p[0]
# web is applied on 80: the advice keeps it, or following it would drop 80
assert p[1]['command'] == 'rawtune apply web --port 80,443' and p[1]['profile'] == 'web', p[1]
assert p[1]['profile_file'] is None and p[1]['nat'] is False, p[1]
assert p[2]['nat'] is True, p[2]"
in_server "$RAWTUNE" top >"$TEST_TMP/top.txt" || fail "top failed"
grep -q '^tcp  *8080 in  .*rawtune apply tcp-8080, after writing ' "$TEST_TMP/top.txt" &&
	grep -q '^tcp  *443 in  .*rawtune apply web --port 80,443$' "$TEST_TMP/top.txt" &&
	grep -A1 '^tcp  *8081 ' "$TEST_TMP/top.txt" | grep -q 'warning: NAT takes this traffic' ||
	{ cat "$TEST_TMP/top.txt"; fail "top's table is not as expected (above)"; }
pass "top: tcp 8080 first, then 443 (web, keeping its applied 80), then 8081 (NAT'd), with their commands"

# The count moves only with traffic and timeouts: read both until they agree.
for _ in 1 2 3 4 5; do
	entries=$(in_server "$RAWTUNE" stats --json | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["entries"])')
	count=$(ct_count "$server")
	[ "$entries" = "$count" ] && break
done
[ "$entries" = "$count" ] && [ "$entries" -gt $K ] ||
	fail "stats says $entries entries, nf_conntrack_count $count (want more than $K)"
pass "entries ($entries) is nf_conntrack_count"

# ---- watch --json, and events ---------------------------------------------------------
# Lines come every 2 s: the load runs between the first and the second, with
# the watcher stopped (SIGSTOP) so that a slow load cannot outlast the
# interval; its events wait in the socket's 16 MiB buffer until SIGCONT.
# (ip netns exec and libtool's wrapper exec the program: $! is rawtune's pid)
ip netns exec "$server" "$RAWTUNE" watch --interval 2 --count 2 --json >"$TEST_TMP/watch.out" &
watch=$!
for _ in $(seq 50); do
	[ -s "$TEST_TMP/watch.out" ] && break
	sleep 0.1
done
[ -s "$TEST_TMP/watch.out" ] || fail "watch wrote no first line"
kill -STOP $watch
load 8080 $K
kill -CONT $watch
wait $watch || fail "watch failed"
"$PY" -c "import json, sys
k = $K
lines = open(sys.argv[1]).read().splitlines()
assert len(lines) == 2, lines
for l in lines:
    d = json.loads(l)
    for key in ('time', 'entries', 'max', 'new', 'destroy', 'new_per_second',
                'destroy_per_second', 'lost', 'drop', 'early_drop', 'insert_failed', 'saved',
                'profiles', 'warnings'):
        assert key in d, key
    assert d['profiles'][0]['name'] == 'web', d
new, lost = json.loads(lines[1])['new'], json.loads(lines[1])['lost']
print('new events', new, 'lost', lost)
assert lost > 0 or k <= new <= k * 1.1 + 5, (new, lost)" "$TEST_TMP/watch.out" ||
	fail "watch --count 2 --json: not 2 lines of the documented JSON counting $K NEW events"
pass "watch --count 2 --json: 2 lines, the $K new connections counted as NEW events"

# Stopped by a signal in the middle of an interval: a last line counts the
# events of the part that passed.
# (ip netns exec and libtool's wrapper exec the program: $! is rawtune's pid)
ip netns exec "$server" "$RAWTUNE" watch --interval 600 --json >"$TEST_TMP/watch-stop.out" &
watch=$!
# subscribed before the load: a fixed "sleep 1" raced a slow start
wait_ct_listener "$server"
load 8080 $K
kill -TERM $watch
wait $watch || fail "watch stopped by SIGTERM exited $?, want 0"
"$PY" -c "import json, sys
lines = open(sys.argv[1]).read().splitlines()
assert len(lines) == 1, lines
d = json.loads(lines[0])
print('new events', d['new'], 'lost', d['lost'])
assert d['lost'] > 0 or $K <= d['new'] <= $K * 1.1 + 5, d" "$TEST_TMP/watch-stop.out" ||
	fail "watch stopped by SIGTERM: not one line counting $K NEW events"
pass "watch stopped by SIGTERM mid-interval: a last line with the $K new connections"

# ---- remove forgets the time ----------------------------------------------------------
in_server "$RAWTUNE" remove web >/dev/null || fail "remove web failed"
in_server "$RAWTUNE" apply web --port 80 >/dev/null || fail "apply web failed"
[ -f "$state" ] || fail "apply after remove wrote no $state"
in_server "$RAWTUNE" remove web >/dev/null || fail "remove web failed"
[ ! -e "$state" ] || fail "remove left $state"
# The server's firewall rejects tcp 53: dns as a whole is refused (rawtune
# untracks, it opens nothing), and no state is written; its UDP half applies.
in_server "$RAWTUNE" apply dns >/dev/null 2>"$TEST_TMP/err" && fail "apply dns over a firewall that rejects tcp 53 was not refused"
grep -q "tcp port 53: the firewall does not accept port 53" "$TEST_TMP/err" ||
	fail "apply dns refused with: $(cat "$TEST_TMP/err")"
[ ! -e "${state%/web}/dns" ] || fail "a refused apply wrote ${state%/web}/dns"
in_server "$RAWTUNE" apply dns --proto udp >/dev/null || fail "apply dns --proto udp failed"
[ -f "${state%/web}/dns" ] || fail "apply dns --proto udp wrote no state"
in_server "$RAWTUNE" remove --all >/dev/null || fail "remove --all failed"
[ ! -e "${state%/web}" ] || fail "remove --all left ${state%/web}: $(ls -A "${state%/web}")"
pass "remove and remove --all delete the state"
