#!/bin/bash
# Applying twice commits nothing; other ports replace only this profile's
# rules; another profile's rules and the user's own stay where they are.
. "${TESTS_SRCDIR:?make check sets TESTS_SRCDIR}/lib.sh"
need_root_and unshare strace iptables-legacy-save ip6tables-legacy-save
enter_netns "$@"

n=$(count_replaces "$RAWTUNE" apply web --port 80)
[ "$n" -eq 4 ] || fail "first apply replaced $n tables, want 4 (filter and raw, both families)"
pass "first apply: one replace per table, 4 in all"
save_all >"$TEST_TMP/once"

out=$("$RAWTUNE" apply web --port 80) || fail "second apply failed"
[ "$out" = "web: already applied (ipv4+ipv6), nothing changed" ] || fail "second apply said: $out"
n=$(count_replaces "$RAWTUNE" apply web --port 80)
[ "$n" -eq 0 ] || fail "applying again replaced $n tables, want 0"
save_all >"$TEST_TMP/twice"
assert_same "$TEST_TMP/once" "$TEST_TMP/twice" "applying twice changes nothing"

# A rule of another profile inside rawtune's chain, and a user's own rule in INPUT.
iptables-legacy -A RAWTUNE-INPUT -p udp -m udp --dport 53 -m conntrack --ctstate UNTRACKED \
	-m comment --comment rawtune:dns -j ACCEPT
iptables-legacy -A INPUT -p tcp -m tcp --dport 22 -j ACCEPT
save_all | grep -v 'rawtune:web' >"$TEST_TMP/others"

# New ports: accepts added first, the old ones after raw is done (6 replaces).
out=$("$RAWTUNE" apply web --port 8080) || fail "apply with other ports failed"
[ "$out" = "web: 16 rules added, 16 removed, ipv4+ipv6" ] || fail "apply 8080 said: $out"
save_all >"$TEST_TMP/swapped"
grep 'rawtune:web' "$TEST_TMP/swapped" | grep -q -- '--[sd]port 80 ' && fail "port 80 rules left behind"
[ "$(grep -c 'rawtune:web' "$TEST_TMP/swapped")" -eq 18 ] || fail "want 18 web rules for 8080"
grep -v 'rawtune:web' "$TEST_TMP/swapped" >"$TEST_TMP/others-after"
assert_same "$TEST_TMP/others" "$TEST_TMP/others-after" "other ports replace only the profile's rules"

n=$(count_replaces "$RAWTUNE" apply web --port 8081)
[ "$n" -eq 6 ] || fail "swapping ports replaced $n tables, want 6 (filter add, raw, filter trim)"
pass "swapping ports: filter, raw, filter in both families"

# Remove web: the dns rule keeps RAWTUNE-INPUT and its jump alive.
"$RAWTUNE" remove web >/dev/null || fail "remove failed"
save4 >"$TEST_TMP/removed"
grep -q 'rawtune:web' "$TEST_TMP/removed" && fail "web rules left after remove"
grep -qx -- '-A INPUT -m comment --comment rawtune -j RAWTUNE-INPUT' "$TEST_TMP/removed" ||
	fail "the jump to RAWTUNE-INPUT went while the dns rule needs it"
grep -q 'rawtune:dns' "$TEST_TMP/removed" || fail "remove web deleted the dns rule"
grep -qx -- '-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT' "$TEST_TMP/removed" ||
	fail "remove web deleted the user's rule"
grep -q 'RAWTUNE-OUTPUT\|RAWTUNE-PREROUTING' "$TEST_TMP/removed" && fail "empty chains left behind"
pass "remove keeps other profiles' rules and their chain, drops the empty chains"

out=$("$RAWTUNE" remove web) || fail "second remove failed"
[ "$out" = "web: not applied, nothing removed" ] || fail "second remove said: $out"
pass "removing twice is harmless"
