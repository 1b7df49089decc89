#!/bin/bash
# The legacy raw layout that every packet of the host walks: the port
# matches come before -m addrtype (a route lookup), so a packet of another
# port never pays for it. Rules written in the old order (addrtype first, as
# earlier versions wrote them, still in the kernel after an upgrade) are the
# profile's all the same: status lists them and sees no drift, apply writes
# them again in the new order, remove deletes them.
# A profile of more than 15 ports gets chains of its own (RAWTUNE-PRE-NAME,
# RAWTUNE-OUT-NAME) behind one guard per protocol and port side: with real
# packets from another namespace, its ports are untracked and another port
# tracked; apply is idempotent, drift inside its chains is seen and
# repaired, a shrink to 3 ports brings the rules back inline and deletes the
# chains, remove leaves nothing; long names fit the 28 characters.
. "${TESTS_SRCDIR:?make check sets TESTS_SRCDIR}/lib.sh"
need_root_and unshare ip socat conntrack iptables-legacy iptables-legacy-save \
	ip6tables-legacy-save iptables-legacy-restore ip6tables-legacy-restore
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

# ---- a profile of 1,000 ports: chains of its own ------------------------------
export RAWTUNE_PROFILE_DIR="$TEST_TMP/profiles.d"
mkdir -p "$RAWTUNE_PROFILE_DIR"
# profile NAME N: N tcp+udp ports 10000 + 7i (none adjacent: no range merges them)
profile() {
	awk -v n="$2" 'BEGIN { printf "protocols = tcp, udp\nports = "
		for (i = 0; i < n; i++) printf "%s%d", i ? ", " : "", 10000 + 7 * i
		print "" }' >"$RAWTUNE_PROFILE_DIR/$1.conf"
}
profile big 1000
high=$((10000 + 7 * 999))

# the client, in a namespace of its own; this one is the server
netns_add C client
trap netns_cleanup EXIT
ip link add vs type veth peer name vc netns "$C" || fail "cannot create the veth pair"
ip addr add 10.221.0.1/24 dev vs && ip link set vs up &&
	ip -n "$C" addr add 10.221.0.2/24 dev vc && ip -n "$C" link set vc up || fail "veth setup"
for port in 10007 5201; do
	socat TCP-LISTEN:$port,fork,reuseaddr SYSTEM:'read -r line; echo hi' 2>/dev/null &
	socat UDP-RECVFROM:$port,fork SYSTEM:'read -r line; echo hi' 2>/dev/null &
done
sleep 0.3
# probe tcp|udp PORT: a whole exchange from the client; "pass" or "drop"
probe() {
	local addr=TCP:10.221.0.1:$2,connect-timeout=1

	[ "$1" = udp ] && addr=UDP:10.221.0.1:$2
	if echo x | ip netns exec "$C" timeout 2 socat -T1 - "$addr" 2>/dev/null | grep -qx hi; then
		echo pass
	else
		echo drop
	fi
}
# entries PROTO PORT: this namespace's conntrack entries to PORT
entries() { conntrack -L -p "$1" --dport "$2" 2>/dev/null | grep -c . || true; }
# the rules of chain $2 tagged rawtune:$1, in family $3 (4 or 6)
rules_of() {
	local save=iptables-legacy-save

	[ "${3:-4}" = 6 ] && save=ip6tables-legacy-save
	"$save" -t raw | grep -E -- "^-A $2 .*\"rawtune:$1\"" || true
}
count_of() { rules_of "$@" | grep -c . || true; }

# notrack rules alone do not load conntrack: a rule that needs it, on a path
# that the profiles' packets do not take (no twin, the loopback rules kept)
iptables-legacy -A FORWARD -m conntrack --ctstate INVALID -j DROP &&
	ip6tables-legacy -A FORWARD -m conntrack --ctstate INVALID -j DROP ||
	fail "cannot load the firewall"
"$RAWTUNE" apply web --port 80 >/dev/null || fail "apply web"
rules_of web RAWTUNE-PREROUTING >"$TEST_TMP/web-pre"
rules_of web RAWTUNE-OUTPUT >"$TEST_TMP/web-out"
web_untouched() {
	rules_of web RAWTUNE-PREROUTING | cmp -s - "$TEST_TMP/web-pre" &&
		rules_of web RAWTUNE-OUTPUT | cmp -s - "$TEST_TMP/web-out" ||
		fail "$1 changed web's rules: $(rules_of web 'RAWTUNE-[A-Z]*')"
}

out=$("$RAWTUNE" apply big) || fail "apply big"
# 1,000 ports in 67 rules of 15 per template: 3 templates inbound (tcp
# count, tcp and udp notrack), 4 outbound (tcp and udp replies, lo); the
# guards: tcp and udp inbound, and outbound on each port side
[ "$out" = "big: 950 rules added, ipv4+ipv6" ] || fail "apply big said: $out"
for fam in 4 6; do
	[ "$(count_of big RAWTUNE-PRE-big $fam)" -eq 201 ] ||
		fail "ipv$fam: $(count_of big RAWTUNE-PRE-big $fam) rules in RAWTUNE-PRE-big, want 201"
	[ "$(count_of big RAWTUNE-OUT-big $fam)" -eq 268 ] ||
		fail "ipv$fam: $(count_of big RAWTUNE-OUT-big $fam) rules in RAWTUNE-OUT-big, want 268"
	rules_of big RAWTUNE-PREROUTING $fam >"$TEST_TMP/guards"
	printf '%s\n' \
		"-A RAWTUNE-PREROUTING -p tcp -m tcp --dport 10000:$high -m comment --comment \"rawtune:big\" -j RAWTUNE-PRE-big" \
		"-A RAWTUNE-PREROUTING -p udp -m udp --dport 10000:$high -m comment --comment \"rawtune:big\" -j RAWTUNE-PRE-big" |
		cmp -s - "$TEST_TMP/guards" || fail "ipv$fam: the inbound guards: $(cat "$TEST_TMP/guards")"
	rules_of big RAWTUNE-OUTPUT $fam | sort >"$TEST_TMP/guards"
	printf '%s\n' \
		"-A RAWTUNE-OUTPUT -p tcp -m tcp --dport 10000:$high -m comment --comment \"rawtune:big\" -j RAWTUNE-OUT-big" \
		"-A RAWTUNE-OUTPUT -p tcp -m tcp --sport 10000:$high -m comment --comment \"rawtune:big\" -j RAWTUNE-OUT-big" \
		"-A RAWTUNE-OUTPUT -p udp -m udp --dport 10000:$high -m comment --comment \"rawtune:big\" -j RAWTUNE-OUT-big" \
		"-A RAWTUNE-OUTPUT -p udp -m udp --sport 10000:$high -m comment --comment \"rawtune:big\" -j RAWTUNE-OUT-big" |
		cmp -s - "$TEST_TMP/guards" || fail "ipv$fam: the outbound guards: $(cat "$TEST_TMP/guards")"
done
web_untouched "apply big"
pass "1,000 ports: 201 + 268 rules in RAWTUNE-PRE-big and RAWTUNE-OUT-big, 6 guards, both families"

# --dry-run prints what the kernel holds
"$RAWTUNE" apply big --dry-run >"$TEST_TMP/dry" || fail "apply big --dry-run"
sed -n '/^# ipv4/,/^COMMIT/p' "$TEST_TMP/dry" | grep -E '^-A RAWTUNE-(PRE|OUT)-big ' | sort >"$TEST_TMP/dry-own"
iptables-legacy-save -t raw | grep -E '^-A RAWTUNE-(PRE|OUT)-big ' | sort >"$TEST_TMP/kernel-own"
assert_same "$TEST_TMP/kernel-own" "$TEST_TMP/dry-own" "--dry-run prints the own chains' rules as the kernel holds them"
grep -qx ':RAWTUNE-PRE-big - \[0:0\]' "$TEST_TMP/dry" || fail "--dry-run does not declare RAWTUNE-PRE-big"

# real packets: the profile's port untracked both ways, another port tracked
conntrack -F 2>/dev/null
for proto in tcp udp; do
	[ "$(probe $proto 10007)" = pass ] || fail "$proto 10007 (the profile's) does not pass"
	[ "$(probe $proto 5201)" = pass ] || fail "$proto 5201 (another port) does not pass"
	n=$(entries $proto 10007)
	[ "$n" -eq 0 ] || fail "$proto 10007: $n conntrack entries, want 0: $(conntrack -L 2>&1)"
	n=$(entries $proto 5201)
	[ "$n" -ge 1 ] || fail "$proto 5201: $n conntrack entries, want it tracked"
done
iptables-legacy-save -c -t raw | grep -E -- '^\[[1-9][0-9]*:[0-9]+\] -A RAWTUNE-PRE-big -p udp .*[,= ]10007[, ]' |
	grep -q . || fail "the udp notrack rule of 10007 in RAWTUNE-PRE-big counted no packet"
# the profile's packets: its rules' counters, not the guards' again (nor the count rules')
"$RAWTUNE" status big --json | python3 -c '
import json, sys
p = json.load(sys.stdin)["profiles"][0]
own = [r for r in p["rules"] if " -j " in r["rule"] and "-j RAWTUNE-" not in r["rule"]]
guards = [r for r in p["rules"] if "-j RAWTUNE-" in r["rule"]]
assert len(guards) == 12 and sum(g["packets"] for g in guards) > 0, guards
assert p["packets"] == sum(r["packets"] for r in own) > 0, (p["packets"], own)
' || fail "status --json: big's packets are not its rules' sum"
pass "through the guards: the profile's port untracked, another port tracked (tcp, udp)"

out=$("$RAWTUNE" apply big) || fail "apply big again"
[ "$out" = "big: already applied (ipv4+ipv6), nothing changed" ] || fail "apply big again said: $out"
"$RAWTUNE" status big >/dev/null || fail "status big: exit $?, want 0"
"$RAWTUNE" status big >"$TEST_TMP/status"
grep -qx 'big: applied, ipv4+ipv6, 950 rules' "$TEST_TMP/status" ||
	fail "status big: $(head -2 "$TEST_TMP/status")"
grep -c -- '-A RAWTUNE-PRE-big ' "$TEST_TMP/status" | grep -qx 402 ||
	fail "status lists $(grep -c -- '-A RAWTUNE-PRE-big ' "$TEST_TMP/status") rules of RAWTUNE-PRE-big, want 402"
"$RAWTUNE" status big --json | python3 -c '
import json, sys
p = json.load(sys.stdin)["profiles"][0]
assert p["name"] == "big" and p["state"] == "applied", p
' || fail "status --json: big not applied"
pass "apply again changes nothing; status lists the own chains' rules, no drift"

# drift inside an own chain, and a guard gone: seen, and apply repairs it
iptables-legacy -t raw -D RAWTUNE-PRE-big 5 || fail "cannot delete a rule of RAWTUNE-PRE-big"
code=0; "$RAWTUNE" status big >/dev/null 2>&1 || code=$?
[ "$code" -eq 3 ] || fail "status after a rule of RAWTUNE-PRE-big went: exit $code, want 3"
ip6tables-legacy -t raw -D RAWTUNE-OUTPUT -p udp -m udp --sport 10000:$high \
	-m comment --comment rawtune:big -j RAWTUNE-OUT-big || fail "cannot delete a guard"
out=$("$RAWTUNE" apply big) || fail "apply big over the drift"
[ "$out" = "big: 2 rules added, ipv4+ipv6" ] || fail "apply big over the drift said: $out"
"$RAWTUNE" status big >/dev/null || fail "status after the repair: exit $?"
[ "$(count_of big RAWTUNE-PRE-big)" -eq 201 ] && [ "$(count_of big RAWTUNE-OUTPUT 6)" -eq 4 ] ||
	fail "the repair did not put both rules back"
web_untouched "the repair"
pass "drift in an own chain and a missing guard: status exit 3, apply repairs both"

# a shrink to 3 ports: inline again, the own chains deleted
profile big 3
out=$("$RAWTUNE" apply big) || fail "apply big with 3 ports"
[ "$out" = "big: 14 rules added, 950 removed, ipv4+ipv6" ] || fail "the shrink said: $out"
for save in iptables-legacy-save ip6tables-legacy-save; do
	"$save" -t raw | grep -qE 'RAWTUNE-(PRE|OUT)-' && fail "$save: own chains left: $("$save" -t raw)"
done
[ "$(count_of big RAWTUNE-PREROUTING)" -eq 3 ] && [ "$(count_of big RAWTUNE-OUTPUT)" -eq 4 ] ||
	fail "3 ports: not inline: $(rules_of big 'RAWTUNE-[A-Z]*')"
rules_of big RAWTUNE-PREROUTING | grep -q -- '-m multiport --dports 10000,10007,10014 -m addrtype' ||
	fail "3 ports: $(rules_of big RAWTUNE-PREROUTING)"
web_untouched "the shrink"
conntrack -F 2>/dev/null
[ "$(probe udp 10007)" = pass ] && [ "$(entries udp 10007)" -eq 0 ] || fail "3 ports: 10007 tracked"
pass "a shrink to 3 ports: the rules inline, the own chains deleted"

# and back: the rules move to the own chains again
profile big 1000
out=$("$RAWTUNE" apply big) || fail "apply big with 1,000 ports again"
[ "$out" = "big: 950 rules added, 14 removed, ipv4+ipv6" ] || fail "the growth said: $out"
[ "$(count_of big RAWTUNE-PREROUTING)" -eq 2 ] || fail "after the growth: $(rules_of big RAWTUNE-PREROUTING)"
"$RAWTUNE" remove big >/dev/null || fail "remove big"
for save in iptables-legacy-save ip6tables-legacy-save; do
	"$save" -t raw | grep -qE 'rawtune:big|RAWTUNE-(PRE|OUT)-' &&
		fail "$save: remove left big's rules or chains: $("$save" -t raw)"
done
web_untouched "remove big"
pass "a growth moves the rules to the own chains; remove deletes them and the chains, web stays"

# long names: 16 characters fit as they are, 20 take 7 and a hash
profile sixteen-chars-ab 1000
profile twenty-characters-ab 1000
"$RAWTUNE" apply sixteen-chars-ab >/dev/null || fail "apply sixteen-chars-ab"
"$RAWTUNE" apply twenty-characters-ab >/dev/null || fail "apply twenty-characters-ab"
iptables-legacy-save -t raw | sed -n 's/^:\(RAWTUNE-[A-Z]*-[^ ]*\) .*/\1/p' | sort >"$TEST_TMP/own"
grep -qx RAWTUNE-PRE-sixteen-chars-ab "$TEST_TMP/own" && grep -qx RAWTUNE-OUT-sixteen-chars-ab "$TEST_TMP/own" ||
	fail "no own chains for sixteen-chars-ab: $(cat "$TEST_TMP/own")"
grep -qE '^RAWTUNE-PRE-twenty-[0-9a-f]{8}$' "$TEST_TMP/own" &&
	grep -qE '^RAWTUNE-OUT-twenty-[0-9a-f]{8}$' "$TEST_TMP/own" ||
	fail "no hashed own chains for twenty-characters-ab: $(cat "$TEST_TMP/own")"
[ "$(count_of twenty-characters-ab 'RAWTUNE-PRE-twenty-[0-9a-f]*')" -eq 201 ] ||
	fail "twenty-characters-ab: its rules are not in its chain"
out=$("$RAWTUNE" apply twenty-characters-ab) || fail "apply twenty-characters-ab again"
[ "$out" = "twenty-characters-ab: already applied (ipv4+ipv6), nothing changed" ] ||
	fail "apply twenty-characters-ab again said: $out"
"$RAWTUNE" status twenty-characters-ab >/dev/null || fail "status twenty-characters-ab: exit $?"
"$RAWTUNE" remove --all >/dev/null || fail "remove --all"
save_all | grep -qi rawtune && fail "remove --all left rawtune's rules or chains: $(save_all)"
pass "long names fit (7 characters and a hash); remove --all leaves nothing of rawtune"
