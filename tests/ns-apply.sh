#!/bin/bash
# The rules of DESIGN.md, read back with iptables-legacy-save and compared
# exactly with golden files, for both families and the -4/-6 options. With
# no firewall rules (policy ACCEPT) rawtune writes raw rules only and leaves
# filter as it was; over a stateful firewall it adds twins of the firewall's
# own NEW-state rule right before it (DESIGN.md, "The verdict rule").
. "${TESTS_SRCDIR:?make check sets TESTS_SRCDIR}/lib.sh"
need_root_and unshare iptables-legacy-save ip6tables-legacy-save
enter_netns "$@"

# Instantiate the tables first: the kernel creates a table on first use and
# never removes it, so "before" must already hold them to compare with "after".
for t in raw filter; do
	iptables-legacy -t $t -S >/dev/null
	ip6tables-legacy -t $t -S >/dev/null
done
save_all >"$TEST_TMP/empty"

out=$("$RAWTUNE" apply web --port 80) || fail "apply web --port 80 failed"
[ "$out" = "web: 8 rules added, ipv4+ipv6" ] || fail "apply said: $out"
save4 >"$TEST_TMP/web-80.ipv4"
save6 >"$TEST_TMP/web-80.ipv6"
assert_golden "$TEST_TMP/web-80.ipv4" web-80.ipv4
assert_golden "$TEST_TMP/web-80.ipv6" web-80.ipv6

# Status reads the same rules back from the kernel.
"$RAWTUNE" status >"$TEST_TMP/status" || fail "status failed"
sed -n 1,2p "$TEST_TMP/status" >"$TEST_TMP/status-head"
printf '%s\n' "backend: legacy (chosen with RAWTUNE_BACKEND)" \
	"web: applied, ipv4+ipv6, 8 rules" | cmp -s - "$TEST_TMP/status-head" ||
	fail "status header: $(cat "$TEST_TMP/status-head")"
grep -c '^  ipv4 raw .*-A RAWTUNE-PREROUTING -p tcp -m tcp --dport 80 -m addrtype --dst-type LOCAL .*-j CT --notrack$' \
	"$TEST_TMP/status" | grep -qx 1 || fail "status lacks the PREROUTING rule"
sed -n 's/^  ipv4 [a-z]* *[0-9]* pkts *[0-9]* bytes  //p' "$TEST_TMP/status" | sort >"$TEST_TMP/status-rules"
grep '^-A RAWTUNE-' "$TEST_TMP/web-80.ipv4" | sort >"$TEST_TMP/save-rules"
assert_same "$TEST_TMP/save-rules" "$TEST_TMP/status-rules" "status shows the rules iptables-legacy-save shows"
grep -q '^  ipv[46] filter' "$TEST_TMP/status" && fail "status lists filter rules where there are none"
# No firewall rules, so nothing is added to filter: it is as before apply.
filter_of() { sed -n '/^## ipv6/q;/^\*filter/,/^COMMIT/p' "$1"; }
assert_same <(filter_of "$TEST_TMP/empty") <(filter_of "$TEST_TMP/web-80.ipv4") \
	"policy ACCEPT: the ipv4 filter table is left as it was"

# The built-in web profile untracks 80 and 443, in one multiport rule each.
"$RAWTUNE" apply web >/dev/null || fail "apply web failed"
save4 >"$TEST_TMP/web.ipv4"
assert_golden "$TEST_TMP/web.ipv4" web.ipv4

# -4 keeps IPv4 and takes the profile's IPv6 rules away.
"$RAWTUNE" apply web --port 80 -4 >"$TEST_TMP/out" || fail "apply -4 failed"
grep -qx "web: 4 rules added, 8 removed, ipv4" "$TEST_TMP/out" || fail "apply -4 said: $(cat "$TEST_TMP/out")"
save4 >"$TEST_TMP/v4"
save6 >"$TEST_TMP/v6"
assert_golden "$TEST_TMP/v4" web-80.ipv4
grep -q RAWTUNE "$TEST_TMP/v6" && fail "-4 left IPv6 rules: $(grep RAWTUNE "$TEST_TMP/v6")"
pass "-4: IPv4 rules only"

"$RAWTUNE" apply web --port 80 -6 >/dev/null || fail "apply -6 failed"
save4 | grep -q RAWTUNE && fail "-6 left IPv4 rules"
save6 >"$TEST_TMP/v6"
assert_golden "$TEST_TMP/v6" web-80.ipv6

"$RAWTUNE" remove web >/dev/null || fail "remove failed"
save_all >"$TEST_TMP/after"
assert_same "$TEST_TMP/empty" "$TEST_TMP/after" "remove leaves the tables as they were"

# Over a stateful firewall (INPUT DROP, its own NEW-state accept of port 80
# under a ban): the twins of that accept, for a SYN and for the later
# segments, go directly before it, below the ban; nothing else changes.
iptables-legacy-restore <<'RULES' || fail "cannot load the firewall"
*filter
:INPUT DROP [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -i lo -j ACCEPT
-A INPUT -m state --state RELATED,ESTABLISHED -j ACCEPT
-A INPUT -s 192.0.2.0/24 -j DROP
-A INPUT -p tcp -m state --state NEW -m tcp --dport 80 -j ACCEPT
-A INPUT -p tcp -m state --state NEW -m tcp --dport 22 -j ACCEPT
COMMIT
RULES
save4 >"$TEST_TMP/fw"
out=$("$RAWTUNE" apply web --port 80 -4) || fail "apply over the firewall failed"
[ "$out" = "web: 7 rules added, ipv4" ] || fail "apply over the firewall said: $out"
save4 >"$TEST_TMP/web-80-fw.ipv4"
assert_golden "$TEST_TMP/web-80-fw.ipv4" web-80-fw.ipv4
# The status lists the twins, and finds the firewall as apply left it: no
# drift (exit 0). Checked after remove, so that remove is tested either way.
status_err=
st=0
"$RAWTUNE" status >"$TEST_TMP/status" 2>&1 || st=$?
if [ "$st" -ne 0 ]; then
	status_err="status right after apply exited $st: $(cat "$TEST_TMP/status")"
elif [ "$(grep -c '^  ipv4 filter .*-A INPUT .*-m conntrack --ctstate UNTRACKED .*-j ACCEPT$' "$TEST_TMP/status")" -ne 2 ]; then
	status_err="status does not list the 2 twins: $(cat "$TEST_TMP/status")"
fi
"$RAWTUNE" remove web >/dev/null || fail "remove over the firewall failed"
save4 >"$TEST_TMP/after"
assert_same "$TEST_TMP/fw" "$TEST_TMP/after" "remove takes the twins away, the firewall is as it was"
[ -z "$status_err" ] || fail "$status_err"
pass "status lists the twins, no drift"
