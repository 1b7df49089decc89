#!/bin/bash
# The legacy raw layout that every packet of the host walks: the port
# matches come before -m addrtype (a route lookup), so a packet of another
# port never pays for it. Rules written in the old order (addrtype first, as
# earlier versions wrote them, still in the kernel after an upgrade) are the
# profile's all the same: status lists them and sees no drift, apply writes
# them again in the new order, remove deletes them.
. "${TESTS_SRCDIR:?make check sets TESTS_SRCDIR}/lib.sh"
need_root_and unshare iptables-legacy-save ip6tables-legacy-save iptables-legacy-restore \
	ip6tables-legacy-restore
enter_netns "$@"

raw4() { iptables-legacy-save -t raw | grep -v '^#' | sed 's/\[[0-9]*:[0-9]*\]/[0:0]/'; }
raw6() { ip6tables-legacy-save -t raw | grep -v '^#' | sed 's/\[[0-9]*:[0-9]*\]/[0:0]/'; }
# addrtype and the rest of a rule with it, as earlier versions wrote them
addrtype_rules() { grep -- '-m addrtype' || true; }
old_order_rules() { addrtype_rules | grep -E -- '-p (tcp|udp) -m addrtype' || true; }
new_order_rules() { addrtype_rules | grep -E -- '-m (tcp|udp|multiport) .*-m addrtype' || true; }
# to_old_order: a raw table's text with addrtype moved in front of the ports
to_old_order() {
	sed -E 's/^(-A RAWTUNE-[A-Z-]+( -[sd] [^ ]+)*( -i [^ ]+)? -p (tcp|udp)) (.*) (-m addrtype( !)? --dst-type LOCAL) /\1 \6 \5 /'
}

# ---- the order: ports first -------------------------------------------------
"$RAWTUNE" apply web --port 80,443 >/dev/null || fail "apply web"
"$RAWTUNE" apply dns >/dev/null || fail "apply dns"
for fam in 4 6; do
	"raw$fam" >"$TEST_TMP/raw$fam"
	n=$(addrtype_rules <"$TEST_TMP/raw$fam" | grep -c .)
	[ "$n" -eq 5 ] || fail "ipv$fam: $n rules with addrtype, want 5: $(cat "$TEST_TMP/raw$fam")"
	[ -z "$(old_order_rules <"$TEST_TMP/raw$fam")" ] ||
		fail "ipv$fam: addrtype before the ports: $(old_order_rules <"$TEST_TMP/raw$fam")"
	[ "$(new_order_rules <"$TEST_TMP/raw$fam" | grep -c .)" -eq 5 ] ||
		fail "ipv$fam: not every addrtype after the ports: $(cat "$TEST_TMP/raw$fam")"
done
pass "every raw rule tests its ports before addrtype, both families"
"$RAWTUNE" apply web --port 80,443 --dry-run | addrtype_rules >"$TEST_TMP/dry"
[ -s "$TEST_TMP/dry" ] && [ -z "$(old_order_rules <"$TEST_TMP/dry")" ] ||
	fail "--dry-run prints addrtype first: $(cat "$TEST_TMP/dry")"
grep -F 'rawtune:web' "$TEST_TMP/raw4" | addrtype_rules | sort >"$TEST_TMP/kernel-web"
sort -u "$TEST_TMP/dry" >"$TEST_TMP/dry-web"
assert_same "$TEST_TMP/kernel-web" "$TEST_TMP/dry-web" "--dry-run prints the order the kernel holds"

# ---- an upgrade: the same rules in the old order ------------------------------
# load_old: the raw tables as they stand, with addrtype moved first
load_old() {
	raw4 | to_old_order >"$TEST_TMP/old4"
	raw6 | to_old_order >"$TEST_TMP/old6"
	iptables-legacy-restore -T raw <"$TEST_TMP/old4" || fail "cannot load the old order (ipv4)"
	ip6tables-legacy-restore -T raw <"$TEST_TMP/old6" || fail "cannot load the old order (ipv6)"
	[ "$(raw4 | old_order_rules | grep -c .)" -eq 5 ] && [ "$(raw6 | old_order_rules | grep -c .)" -eq 5 ] ||
		fail "the old order did not load: $(raw4)"
}
load_old
save_all >"$TEST_TMP/old-all"

out=$("$RAWTUNE" status) || fail "status over the old order: exit $?"
grep -qx 'web: applied, ipv4+ipv6, 8 rules' <<<"$out" || fail "status does not see web: $out"
grep -qx 'dns: applied, ipv4+ipv6, 14 rules' <<<"$out" || fail "status does not see dns: $out"
# status prints each rule as the kernel holds it
sed -n 's/^  ipv4 [a-z]* *[0-9]* pkts *[0-9]* bytes  //p' <<<"$out" | sort >"$TEST_TMP/status-rules"
grep '^-A RAWTUNE-' "$TEST_TMP/old4" | sort >"$TEST_TMP/save-rules"
assert_same "$TEST_TMP/save-rules" "$TEST_TMP/status-rules" "status lists the old order's rules as they are"
"$RAWTUNE" status web >/dev/null || fail "status web over the old order: exit $?, want 0 (no drift)"
"$RAWTUNE" status --json >"$TEST_TMP/json" || fail "status --json over the old order: exit $?"
python3 -c '
import json, sys
states = {p["name"]: p["state"] for p in json.load(sys.stdin)["profiles"]}
assert states == {"web": "applied", "dns": "applied"}, states
' <"$TEST_TMP/json" || fail "status --json over the old order: $(cat "$TEST_TMP/json")"
pass "rules in the old order are the profiles', with no drift"

# apply writes them again in the new order, once
out=$("$RAWTUNE" apply web --port 80,443) || fail "apply web over the old order"
[ "$out" = "web: 4 rules added, 4 removed, ipv4+ipv6" ] || fail "apply web over the old order said: $out"
raw4 | grep -F 'rawtune:web' | old_order_rules | grep -q . && fail "web kept the old order"
[ "$(raw4 | grep -F 'rawtune:dns' | old_order_rules | grep -c .)" -eq 3 ] ||
	fail "applying web rewrote dns's rules: $(raw4)"
out=$("$RAWTUNE" apply web --port 80,443) || fail "apply web again"
[ "$out" = "web: already applied (ipv4+ipv6), nothing changed" ] || fail "apply web again said: $out"
pass "apply rewrites the old order's rules in the new order, then changes nothing"

# remove deletes the old order's rules, and with the last profile the chains
out=$("$RAWTUNE" remove dns) || fail "remove dns over the old order"
raw4 | grep -qF 'rawtune:dns' && fail "remove left dns's old-order rules (ipv4): $(raw4)"
raw6 | grep -qF 'rawtune:dns' && fail "remove left dns's old-order rules (ipv6): $(raw6)"
load_old_web() {
	raw4 | to_old_order | iptables-legacy-restore -T raw && raw6 | to_old_order |
		ip6tables-legacy-restore -T raw || fail "cannot load web's old order"
	raw4 | old_order_rules | grep -q . || fail "web's old order did not load"
}
load_old_web
"$RAWTUNE" remove --all >/dev/null || fail "remove --all over the old order"
save_all | grep -qiE 'rawtune' && fail "remove --all left rawtune's rules: $(save_all)"
pass "remove deletes the old order's rules, nothing of rawtune is left"
