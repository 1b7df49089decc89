#!/bin/bash
# Applying twice commits nothing, with or without twins in filter; other
# ports replace only this profile's rules; another profile's rules and the
# user's own stay where they are.
. "${TESTS_SRCDIR:?make check sets TESTS_SRCDIR}/lib.sh"
need_root_and unshare strace iptables-legacy-save ip6tables-legacy-save \
	iptables-legacy-restore ip6tables-legacy-restore
enter_netns "$@"

# No firewall: raw rules only, one replace of raw per family.
n=$(count_replaces "$RAWTUNE" apply web --port 80)
[ "$n" -eq 2 ] || fail "first apply replaced $n tables, want 2 (raw, both families)"
pass "first apply without a firewall: raw only, one replace per family"
save_all >"$TEST_TMP/once"

out=$("$RAWTUNE" apply web --port 80) || fail "second apply failed"
[ "$out" = "web: already applied (ipv4+ipv6), nothing changed" ] || fail "second apply said: $out"
n=$(count_replaces "$RAWTUNE" apply web --port 80)
[ "$n" -eq 0 ] || fail "applying again replaced $n tables, want 0"
save_all >"$TEST_TMP/twice"
assert_same "$TEST_TMP/once" "$TEST_TMP/twice" "applying twice changes nothing"

# Then a stateful firewall is loaded (filter only: raw keeps rawtune's rules).
# The user's own rules include a plain accept of port 22.
firewall='*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -i lo -j ACCEPT
-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT
-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A INPUT -p tcp -m conntrack --ctstate NEW -m multiport --dports 80,8080,8081 -j ACCEPT
-A INPUT -j DROP
COMMIT'
iptables-legacy-restore <<<"$firewall" && ip6tables-legacy-restore <<<"$firewall" ||
	fail "cannot load the firewall"
raw_of() { sed -n '/^\*raw/,/^COMMIT/p'; }
save_all | raw_of >"$TEST_TMP/raw-before"
out=$("$RAWTUNE" apply web --port 80) || fail "apply over the firewall failed"
[ "$out" = "web: 6 rules added, ipv4+ipv6" ] || fail "apply over the firewall said: $out"
[ "$(save_all | grep -c -- '-A INPUT .*rawtune:web.* --ctstate UNTRACKED -j ACCEPT')" -eq 4 ] ||
	fail "want 2 twins per family: $(save_all | grep rawtune:web)"
save_all | raw_of >"$TEST_TMP/raw-after"
cmp -s "$TEST_TMP/raw-before" "$TEST_TMP/raw-after" || fail "adding twins changed raw"
pass "apply adds the twins the firewall needs, raw untouched"
save_all >"$TEST_TMP/once"
n=$(count_replaces "$RAWTUNE" apply web --port 80)
[ "$n" -eq 0 ] || fail "applying again over the firewall replaced $n tables, want 0"
save_all >"$TEST_TMP/twice"
assert_same "$TEST_TMP/once" "$TEST_TMP/twice" "with twins too, applying twice changes nothing"

# A rule of another profile inside rawtune's raw chain.
iptables-legacy -t raw -A RAWTUNE-PREROUTING -p udp -m udp --dport 53 \
	-m comment --comment rawtune:dns -j CT --notrack
save_all | grep -v 'rawtune:web' >"$TEST_TMP/others"

# New ports: raw rules and twins replaced (4 raw + 2 twins per family).
out=$("$RAWTUNE" apply web --port 8080) || fail "apply with other ports failed"
[ "$out" = "web: 12 rules added, 12 removed, ipv4+ipv6" ] || fail "apply 8080 said: $out"
save_all >"$TEST_TMP/swapped"
grep 'rawtune:web' "$TEST_TMP/swapped" | grep -q -- '--[sd]port 80 ' && fail "port 80 rules left behind"
[ "$(grep -c "rawtune:web" "$TEST_TMP/swapped")" -eq 14 ] || fail "want 14 web rules for 8080 (4 raw, 2 twins and the ICMP twin a family)"
grep -v 'rawtune:web' "$TEST_TMP/swapped" >"$TEST_TMP/others-after"
assert_same "$TEST_TMP/others" "$TEST_TMP/others-after" "other ports replace only the profile's rules"

# The twins of the new ports go in before raw untracks them, the old ones
# only after raw stopped untracking theirs (DESIGN.md: no packet untracked
# without its accept): filter add, raw, filter trim, in both families.
# (Checked at the end, so that remove is tested either way.)
swap_n=$(count_replaces "$RAWTUNE" apply web --port 8081)

# Remove web: the dns rule keeps RAWTUNE-PREROUTING and its jump alive.
"$RAWTUNE" remove web >/dev/null || fail "remove failed"
save4 >"$TEST_TMP/removed"
grep -q 'rawtune:web' "$TEST_TMP/removed" && fail "web rules left after remove"
grep -qx -- '-A PREROUTING -m comment --comment rawtune -j RAWTUNE-PREROUTING' "$TEST_TMP/removed" ||
	fail "the jump to RAWTUNE-PREROUTING went while the dns rule needs it"
grep -q 'rawtune:dns' "$TEST_TMP/removed" || fail "remove web deleted the dns rule"
grep -qx -- '-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT' "$TEST_TMP/removed" ||
	fail "remove web deleted the user's rule"
grep -q 'RAWTUNE-OUTPUT\|RAWTUNE-INPUT' "$TEST_TMP/removed" && fail "empty chains left behind"
sed -n '/^\*filter/,/^COMMIT/p' "$TEST_TMP/removed" >"$TEST_TMP/filter-after"
assert_same <(grep -v '^#' <<<"$firewall") "$TEST_TMP/filter-after" "remove leaves filter as the firewall was loaded"
pass "remove keeps other profiles' rules and their chain, drops the empty chain and the twins"

out=$("$RAWTUNE" remove web) || fail "second remove failed"
[ "$out" = "web: not applied, nothing removed" ] || fail "second remove said: $out"
pass "removing twice is harmless"

[ "$swap_n" -eq 6 ] || fail "swapping ports replaced $swap_n tables, want 6 (filter add, raw, filter trim)"
pass "swapping ports: filter, raw, filter in both families"
