#!/bin/bash
# Surviving the firewall's own reload: iptables-restore of the saved
# firewall (what "netfilter-persistent reload" and "ufw reload" do) replaces
# the filter table and takes the twins with it while the notrack rules stay,
# and the profile's traffic is dropped. status sees it (exit 3, "drift" in
# --json), repair puts back what the firewall needs now and nothing else,
# with real packets before and after. Then rawtune.service's reload:
# "apply --all" removes what an earlier "apply --all" applied and
# rawtune.conf no longer lists, and leaves what the admin applied by hand.
. "${TESTS_SRCDIR:?make check sets TESTS_SRCDIR}/lib.sh"
. "$TESTS_SRCDIR/probe.sh"
need_root_and ip socat iptables-legacy-restore
netns_setup
export RAWTUNE_CONFIG="$TEST_TMP/rawtune.conf"
probe_topology
serve "$V" tcp 80
serve "$V" tcp 53
sleep 0.3

cat >"$TEST_TMP/firewall" <<'RULES'
*filter
:INPUT DROP [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -m state --state RELATED,ESTABLISHED -j ACCEPT
-A INPUT -i lo -j ACCEPT
-A INPUT -p tcp -m state --state NEW -m tcp --dport 80 -j ACCEPT
-A INPUT -p tcp -m state --state NEW -m tcp --dport 53 -j ACCEPT
-A INPUT -p udp -m state --state NEW -m udp --dport 53 -j ACCEPT
-A INPUT -j REJECT
COMMIT
RULES
firewall <"$TEST_TMP/firewall"

rawtune_v apply web --port 80 >/dev/null || fail "apply web"
rawtune_v status >/dev/null || fail "status after apply: exit $?, want 0"
expect "applied: C reaches port 80" pass "$C" tcp 10.220.2.1 80

# The firewall's reload: the twins are gone, the notrack rules stay.
firewall <"$TEST_TMP/firewall"
expect "after the firewall's reload, untracked port 80 is dropped" drop "$C" tcp 10.220.2.1 80
rawtune_v status >"$TEST_TMP/status" && fail "status after the reload exited 0"
code=$(rawtune_v status >/dev/null; echo $?)
[ "$code" = 3 ] || fail "status after the reload: exit $code, want 3"
grep -q '^web: DRIFT' "$TEST_TMP/status" || fail "status does not say drift: $(head -2 "$TEST_TMP/status")"
rawtune_v status web --json | python3 -c '
import json, sys
p = json.load(sys.stdin)["profiles"][0]
assert p["name"] == "web" and p["state"] == "drift" and "twin" in p["drift"], p
' || fail "status --json does not report the drift"
pass "status: exit 3, DRIFT, and state \"drift\" in --json"

rawtune_v repair >"$TEST_TMP/out" || fail "repair failed: $(cat "$TEST_TMP/out")"
grep -qx 'web: repaired, 3 rules added, 0 removed' "$TEST_TMP/out" || fail "repair said: $(cat "$TEST_TMP/out")"
pass "repair: $(cat "$TEST_TMP/out")"
expect "repaired: C reaches port 80" pass "$C" tcp 10.220.2.1 80
rawtune_v status >/dev/null || fail "status after repair: exit $?, want 0"
rawtune_v repair >"$TEST_TMP/out" || fail "second repair failed"
[ ! -s "$TEST_TMP/out" ] || fail "a repair with nothing to repair said: $(cat "$TEST_TMP/out")"
pass "repair leaves a profile in place alone"

# A firewall that closed the port meanwhile: repair refuses, nothing opens.
sed '/--dport 80 -j ACCEPT/d' "$TEST_TMP/firewall" | firewall
code=$(rawtune_v repair 2>"$TEST_TMP/err" >/dev/null; echo $?)
[ "$code" = 1 ] || fail "repair against a firewall that closed the port: exit $code, want 1"
grep -q 'does not accept' "$TEST_TMP/err" || fail "repair said: $(cat "$TEST_TMP/err")"
expect "the closed port stays closed" drop "$C" tcp 10.220.2.1 80
pass "repair refuses to open what the firewall closed"
firewall <"$TEST_TMP/firewall"
rawtune_v remove --all >/dev/null || fail "remove --all"

# status PROFILE for a profile not applied: its own exit code.
code=$(rawtune_v status dns 2>/dev/null; echo $?)
[ "$code" = 4 ] || fail "status of a profile not applied: exit $code, want 4"
pass "status PROFILE not applied: exit 4"

# ---- rawtune.service's reload removes only what rawtune.conf applied --------------
printf '%s\n' 'apply = web ports=80' 'apply = dns' >"$RAWTUNE_CONFIG"
rawtune_v apply --all >/dev/null || fail "apply --all"
printf '%s\n' 'ports = 53' 'protocols = tcp' >"$TEST_TMP/mine.conf"
mkdir -p "$TEST_TMP/profiles.d" && mv "$TEST_TMP/mine.conf" "$TEST_TMP/profiles.d/"
chmod 0755 "$TEST_TMP" "$TEST_TMP/profiles.d"
RAWTUNE_PROFILE_DIR="$TEST_TMP/profiles.d" rawtune_v apply mine >/dev/null || fail "apply mine by hand"
printf '%s\n' 'apply = dns' >"$RAWTUNE_CONFIG"
rawtune_v apply --all >"$TEST_TMP/out" || fail "apply --all after editing rawtune.conf"
grep -q "^web: .* removed: .* no longer lists it" "$TEST_TMP/out" || fail "reload said: $(cat "$TEST_TMP/out")"
rawtune_v status >"$TEST_TMP/status"
grep -q '^web:' "$TEST_TMP/status" && fail "web is still applied"
grep -q '^dns:' "$TEST_TMP/status" || fail "dns is gone"
grep -q '^mine:' "$TEST_TMP/status" || fail "the profile applied by hand is gone"
pass "apply --all removed web, kept dns and the one applied by hand"
