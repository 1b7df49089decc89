#!/bin/bash
# A kernel without a piece that rawtune's rules use (the raw or filter table,
# the CT target, one of the matches) gets a one-line error naming the piece,
# its module and its kernel option, exit 1, before any table is replaced.
# The kernel here has them all: tests/fault-shim.c, preloaded, answers the
# kernel's questions about them (getsockopt) as a kernel without them does.
. "${TESTS_SRCDIR:?make check sets TESTS_SRCDIR}/lib.sh"
need_root_and unshare iptables-legacy-restore ip6tables-legacy-restore \
	iptables-legacy-save ip6tables-legacy-save
need_shim fault-shim
enter_netns "$@"

# The user's rules, which must stay as they are.
for restore in iptables-legacy-restore ip6tables-legacy-restore; do
	"$restore" <<'RULES' || fail "$restore failed"
*raw
-A PREROUTING -p udp -m udp --dport 5060 -j CT --notrack
COMMIT
*filter
-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT
COMMIT
RULES
done
save_all >"$TEST_TMP/before"

# lacking WANT ARGS...: rawtune ARGS exits 1 with the one line WANT (a
# pattern after "rawtune: web: "), replacing no table.
lacking() {
	local want=$1 status
	shift
	rm -f "$TEST_TMP/replaces"
	env LD_PRELOAD="$SHIM" RAWTUNE_FAULT_LOG="$TEST_TMP/replaces" "$@" \
		>"$TEST_TMP/out" 2>"$TEST_TMP/err"
	status=$?
	[ $status -eq 1 ] || fail "$*: exit $status, want 1: $(cat "$TEST_TMP/err")"
	[ "$(wc -l <"$TEST_TMP/err")" -eq 1 ] && grep -qx "rawtune: web: $want" "$TEST_TMP/err" ||
		fail "$*: stderr is not the one line 'rawtune: web: $want': $(cat "$TEST_TMP/err")"
	[ ! -s "$TEST_TMP/replaces" ] || fail "$*: tables were replaced: $(cat "$TEST_TMP/replaces")"
	save_all >"$TEST_TMP/after"
	assert_same "$TEST_TMP/before" "$TEST_TMP/after" "$(cat "$TEST_TMP/err")"
}

lacking 'the kernel lacks the ipv4 CT target, revision 2 (module xt_CT, kernel option CONFIG_NETFILTER_XT_TARGET_CT)' \
	RAWTUNE_FAULT_MISSING=CT "$RAWTUNE" apply web --port 80
lacking "the kernel's ipv4 CT target is too old: rawtune needs revision 2 (module xt_CT, kernel option CONFIG_NETFILTER_XT_TARGET_CT)" \
	RAWTUNE_FAULT_OLD=CT "$RAWTUNE" apply web --port 80
lacking 'the kernel lacks the ipv6 conntrack match, revision 3 (module xt_conntrack, kernel option CONFIG_NETFILTER_XT_MATCH_CONNTRACK)' \
	RAWTUNE_FAULT_MISSING=conntrack "$RAWTUNE" apply web --port 80 -6
lacking 'the kernel lacks the ipv4 comment match, revision 0 (module xt_comment, kernel option CONFIG_NETFILTER_XT_MATCH_COMMENT)' \
	RAWTUNE_FAULT_MISSING=comment "$RAWTUNE" apply web --port 80
lacking 'the kernel lacks the ipv4 multiport match, revision 1 (module xt_multiport, kernel option CONFIG_NETFILTER_XT_MATCH_MULTIPORT)' \
	RAWTUNE_FAULT_MISSING=multiport "$RAWTUNE" apply web
lacking 'the kernel lacks the ipv4 addrtype match, revision 1 (module xt_addrtype, kernel option CONFIG_NETFILTER_XT_MATCH_ADDRTYPE)' \
	RAWTUNE_FAULT_MISSING=addrtype "$RAWTUNE" apply web
lacking 'the kernel lacks the ipv4 raw table (module iptable_raw, kernel option CONFIG_IP_NF_RAW)' \
	RAWTUNE_FAULT_MISSING=raw "$RAWTUNE" apply web
lacking 'the kernel lacks the ipv6 filter table (module ip6table_filter, kernel option CONFIG_IP6_NF_FILTER)' \
	RAWTUNE_FAULT_MISSING=filter "$RAWTUNE" apply web -6
lacking 'the kernel lacks the ipv6 icmp6 match, revision 0 (module ip6_tables, kernel option CONFIG_IP6_NF_IPTABLES)' \
	RAWTUNE_FAULT_MISSING=icmp6 "$RAWTUNE" apply web

# The same preload with nothing missing: the apply goes through.
env LD_PRELOAD="$SHIM" RAWTUNE_FAULT_MISSING=nothing "$RAWTUNE" apply web --port 80 >/dev/null ||
	fail "apply with every piece present failed"
save_all | grep -q 'rawtune:web' || fail "apply with every piece present added no rule"
pass "with every piece present the apply goes through"
