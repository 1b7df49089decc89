#!/bin/bash
# The nf_tables backend commits against the firewall its guard judged. The
# firewall accepts port 8090 without a state match, so the profile may
# untrack it; then, between the guard's reading and rawtune's batch,
# another writer (the fault shim runs it just before the batch goes)
# replaces that accept with a "ct state new" one, which untracked packets
# would not pass. The batch, made for the old ruleset, is refused by the
# kernel; apply judges the new firewall, refuses the profile and writes
# nothing: the service keeps answering. Sent again as it was (judged
# against the old firewall), it would have cut the service off.
. "${TESTS_SRCDIR:?make check sets TESTS_SRCDIR}/lib.sh"
need_root_and ip nft nginx ab iptables-legacy-save
need_shim fault-shim
export RAWTUNE_BACKEND=nft
netns_setup

S=10.212.0.1 C=10.212.0.2
netns_add server server
netns_add client client
netns_link "$server" s0 $S/24 "$client" c0 $C/24
start_nginx "$server" 8090 app
in_server() { ip netns exec "$server" "$@"; }

firewall() { # ACCEPT: how input accepts port 8090
	cat <<NFT
flush ruleset
table inet filter {
	chain input {
		type filter hook input priority filter; policy drop;
		ct state established,related accept
		iif lo accept
		$1
	}
}
NFT
}
firewall "tcp dport 8090 accept" >"$TEST_TMP/plain.nft"
firewall "tcp dport 8090 ct state new accept" >"$TEST_TMP/stateful.nft"
expect_served() { # WHAT
	local done

	done=$(requests "$client" "http://$S:8090/" 10)
	[ "$done" = 10 ] || fail "$1: ${done:-0} of 10 requests completed"
}

# Without the other writer: the plain accept lets the profile through.
in_server nft -f "$TEST_TMP/plain.nft" || fail "cannot load the firewall"
in_server "$RAWTUNE" apply web --port 8090 >/dev/null || fail "apply over a plain accept failed"
in_server "$RAWTUNE" remove web >/dev/null || fail "remove failed"
expect_served "the plain accept"
pass "a plain accept of 8090: applied and removed"

# The other writer commits the stateful firewall between guard and batch.
in_server env LD_PRELOAD="$SHIM" RAWTUNE_FAULT_LOG="$TEST_TMP/batches" \
	RAWTUNE_FAULT_BATCH=1 RAWTUNE_FAULT_BATCH_HOW=run \
	RAWTUNE_FAULT_BATCH_RUN="nft -f $TEST_TMP/stateful.nft" \
	"$RAWTUNE" apply web --port 8090 >"$TEST_TMP/out" 2>"$TEST_TMP/err"
status=$?
grep -q "batch 1 run" "$TEST_TMP/batches" || fail "the other writer did not run: $(cat "$TEST_TMP/batches")"
in_server nft list chain inet filter input | grep -q "tcp dport 8090 ct state new accept" ||
	fail "the other writer's firewall is not in place"
[ $status -eq 1 ] || fail "apply after the firewall changed: exit $status, want 1: $(cat "$TEST_TMP/out")"
grep -q "^rawtune: web: the nf_tables chain inet filter input (hook input) may drop the untracked packets of tcp dport 8090" \
	"$TEST_TMP/err" || fail "apply said: $(cat "$TEST_TMP/err")"
in_server nft list tables | grep -q rawtune && fail "table inet rawtune written: $(in_server nft list ruleset)"
expect_served "after the refused apply"
pass "the firewall changed under apply: judged again, refused ($(cat "$TEST_TMP/err")), nothing written, 10 of 10 requests served"

# The legacy backend beside the same nf_tables firewall: the other writer
# commits the stateful firewall while rawtune writes the legacy raw table
# (no lock keeps nf_tables' writers out). The generation moved since the
# guard's reading: apply judges the firewall again, refuses, and undoes its
# legacy rules; the service keeps answering.
in_server nft -f "$TEST_TMP/plain.nft" || fail "cannot load the plain firewall again"
: >"$TEST_TMP/replaces"
in_server env RAWTUNE_BACKEND=legacy LD_PRELOAD="$SHIM" RAWTUNE_FAULT_LOG="$TEST_TMP/replaces" \
	RAWTUNE_FAULT_REPLACE=1 RAWTUNE_FAULT_REPLACE_RUN="nft -f $TEST_TMP/stateful.nft" \
	"$RAWTUNE" apply web --port 8090 -4 >"$TEST_TMP/out" 2>"$TEST_TMP/err"
status=$?
grep -q "^replace 1 ipv4 raw run$" "$TEST_TMP/replaces" ||
	fail "the other writer did not run before the raw replace: $(cat "$TEST_TMP/replaces")"
[ $status -eq 1 ] || fail "legacy apply after the firewall changed: exit $status, want 1: $(cat "$TEST_TMP/err")"
grep -q "^rawtune: web: the nf_tables chain inet filter input (hook input) may drop the untracked packets of tcp dport 8090" \
	"$TEST_TMP/err" || fail "legacy apply said: $(cat "$TEST_TMP/err")"
in_server iptables-legacy-save -t raw | grep -q rawtune &&
	fail "legacy rules left after the refusal: $(in_server iptables-legacy-save -t raw)"
expect_served "after the refused legacy apply"
pass "the firewall changed while the legacy tables were written: judged again, refused, undone, 10 of 10 requests served"
