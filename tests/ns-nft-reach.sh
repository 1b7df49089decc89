#!/bin/bash
# Which chains the nf_tables guard reads: the base chains that the
# profile's packets pass (filter chains on its hooks, nat chains for the NAT
# guard) and every chain they jump or go to, however deep; not a chain of a
# hook they never pass, however big. A rule reached only through a jump and
# a goto is still judged (apply refuses, naming it), a nat rule reached by a
# jump still stops apply, and a 10,000-rule forward chain is not read (the
# debug log counts the rules read; the same chain on the input hook is).
. "${TESTS_SRCDIR:?make check sets TESTS_SRCDIR}/lib.sh"
need_root_and ip nft
netns_setup
export RAWTUNE_BACKEND=nft RAWTUNE_LOG=debug

netns_add host reach
H() { ip netns exec "$host" "$@"; }

# apply_web WHAT WANT-EXIT [ARGS...]: web on port 8080; its log in $TEST_TMP/err
apply_web() {
	local what=$1 want=$2 status
	shift 2
	H "$RAWTUNE" apply web --port 8080 "$@" >"$TEST_TMP/out" 2>"$TEST_TMP/err"
	status=$?
	[ $status -eq "$want" ] || fail "$what: apply exit $status, want $want: $(cat "$TEST_TMP/err")"
}

# rules_read WANT: the guard's count of the rules it read
rules_read() {
	local got

	got=$(sed -n 's/.*nf_tables: [0-9]* chains, the rules of [0-9]* read: \([0-9]*\) rules$/\1/p' \
		"$TEST_TMP/err")
	[ "$got" = "$1" ] || fail "rules read: ${got:-none logged}, want $1: $(cat "$TEST_TMP/err")"
}

no_rawtune_table() {
	! H nft list table inet rawtune >/dev/null 2>&1 || fail "$1: table inet rawtune written"
}

# ---- a drop of untracked packets two chains down, reached by jump then goto --
H nft -f - <<'NFT' || fail "cannot load the jump firewall"
table inet filter {
	chain input {
		type filter hook input priority filter; policy accept;
		iif lo accept
		jump deep
	}
	chain deep {
		ip saddr 192.0.2.1 drop
		goto deeper
	}
	chain deeper {
		tcp dport 8080 ct state new,established accept
		tcp dport 8080 drop
	}
	chain unused {
		tcp dport 8080 drop
	}
}
NFT
apply_web "drop behind a jump and a goto" 1
grep -q "untracked packets of tcp dport 8080: rule handle [0-9]* of chain deeper" "$TEST_TMP/err" ||
	fail "the refusal names no rule of chain deeper: $(cat "$TEST_TMP/err")"
# input, deep and deeper: 2 + 2 + 2 rules; the chain nothing jumps to is not read
grep -q "nf_tables: 4 chains, the rules of 3 read: 6 rules$" "$TEST_TMP/err" ||
	fail "want 3 of 4 chains read: $(cat "$TEST_TMP/err")"
no_rawtune_table "refused"
pass "a drop reached by jump then goto is judged: $(grep -o 'rule handle [0-9]* of chain deeper' "$TEST_TMP/err" | head -1)"

# ---- NAT reached by a jump from a nat base chain ------------------------------
H nft flush ruleset
H nft -f - <<'NFT' || fail "cannot load the nat firewall"
table ip nat {
	chain prerouting {
		type nat hook prerouting priority dstnat; policy accept;
		jump redirects
	}
	chain redirects {
		tcp dport 8080 dnat to 10.0.0.5
	}
}
NFT
apply_web "dnat behind a jump" 1
grep -q "NAT applies to its traffic.*chain ip nat redirects" "$TEST_TMP/err" ||
	fail "the refusal names no rule of chain redirects: $(cat "$TEST_TMP/err")"
no_rawtune_table "NAT refused"
pass "a dnat reached by a jump stops apply: $(grep -o "rule handle.*redirects" "$TEST_TMP/err" | head -1)"

# ---- a big chain on a hook the profile's packets never pass -------------------
big_firewall() { # HOOK: a small input chain, and 10,000 rules on HOOK in another table
	awk -v hook="$1" 'BEGIN {
		print "table inet filter { chain input {"
		print "type filter hook input priority filter; policy drop;"
		print "iif lo accept"
		print "tcp dport 8080 accept"
		print "}"
		print "}"
		print "table inet big { chain c {"
		printf "type filter hook %s priority filter; policy accept;\n", hook
		for (i = 0; i < 10000; i++)
			printf "ip saddr 10.1.%d.%d tcp dport 22 accept\n", int(i / 256), i % 256
		print "}"
		print "}" }' | H nft -f - || fail "cannot load the big $1 chain"
}

H nft flush ruleset
big_firewall forward
apply_web "big forward chain" 0
rules_read 2
H nft list table inet rawtune | grep -q 'comment "rawtune:web"' || fail "no rule of web written"
pass "a 10,000-rule forward chain is not read (2 rules read), web applied"

# The count is of what was read: the same chain on the input hook is.
H nft flush ruleset
big_firewall input
apply_web "big input chain" 0
rules_read 10002
pass "the same chain on the input hook is read (10,002 rules)"
