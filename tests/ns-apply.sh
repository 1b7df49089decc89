#!/bin/bash
# The rules of DESIGN.md, read back with iptables-legacy-save and compared
# exactly with golden files, for both families and the -4/-6 options.
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
[ "$out" = "web: 18 rules added, ipv4+ipv6" ] || fail "apply said: $out"
save4 >"$TEST_TMP/web-80.ipv4"
save6 >"$TEST_TMP/web-80.ipv6"
assert_golden "$TEST_TMP/web-80.ipv4" web-80.ipv4
assert_golden "$TEST_TMP/web-80.ipv6" web-80.ipv6

# Status reads the same rules back from the kernel.
"$RAWTUNE" status >"$TEST_TMP/status" || fail "status failed"
head -1 "$TEST_TMP/status" | grep -qx "web: applied, ipv4+ipv6, 18 rules" ||
	fail "status header: $(head -1 "$TEST_TMP/status")"
grep -c '^  ipv4 raw .*-A RAWTUNE-PREROUTING -p tcp -m addrtype --dst-type LOCAL -m tcp --dport 80 .*-j CT --notrack$' \
	"$TEST_TMP/status" | grep -qx 1 || fail "status lacks the PREROUTING rule"
sed -n 's/^  ipv4 [a-z]* *[0-9]* pkts *[0-9]* bytes  //p' "$TEST_TMP/status" | sort >"$TEST_TMP/status-rules"
grep '^-A RAWTUNE-' "$TEST_TMP/web-80.ipv4" | sort >"$TEST_TMP/save-rules"
assert_same "$TEST_TMP/save-rules" "$TEST_TMP/status-rules" "status shows the rules iptables-legacy-save shows"

# The built-in web profile untracks 80 and 443, in one multiport rule each.
"$RAWTUNE" apply web >/dev/null || fail "apply web failed"
save4 >"$TEST_TMP/web.ipv4"
assert_golden "$TEST_TMP/web.ipv4" web.ipv4

# -4 keeps IPv4 and takes the profile's IPv6 rules away.
"$RAWTUNE" apply web --port 80 -4 >"$TEST_TMP/out" || fail "apply -4 failed"
grep -qx "web: 8 rules added, 17 removed, ipv4" "$TEST_TMP/out" || fail "apply -4 said: $(cat "$TEST_TMP/out")"
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
