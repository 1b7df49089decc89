#!/bin/bash
# Two encoders agree: for profiles of every shape (server, client with
# peers, forward, addresses, interfaces, owner, one family, port ranges and
# lists), the nft input that "apply --dry-run" prints for the nf_tables
# backend, loaded by nft -f (nft's own parser), is what apply would write
# through libnftnl: apply then finds the rules in place and changes nothing.
# And the other way: what apply wrote, listed by nft, loads back with nft -f.
. "${TESTS_SRCDIR:?make check sets TESTS_SRCDIR}/lib.sh"
need_root_and nft
export RAWTUNE_BACKEND=nft
enter_netns "$@"

export RAWTUNE_PROFILE_DIR="$TEST_TMP/profiles"
mkdir -p "$RAWTUNE_PROFILE_DIR"
cat >"$RAWTUNE_PROFILE_DIR/cli.conf" <<'EOF2'
protocols = tcp
direction = client
ports = 5432,6379
peers = 10.9.0.0/24, fd00:9::5
EOF2
cat >"$RAWTUNE_PROFILE_DIR/svc.conf" <<'EOF2'
protocols = tcp, udp
ports = 53, 5353, 10000-10100
addresses = 10.1.2.3, fd00::1/64
interfaces = eth0, lo
owner = nobody
EOF2
cat >"$RAWTUNE_PROFILE_DIR/fwd.conf" <<'EOF2'
protocols = tcp
ports = 80, 8000-8999
forward = yes
peers = 192.0.2.0/20
EOF2

n=0
for args in "web" "dns" "cli" "svc" "fwd" "web -4" "dns -6" "web --port 1-65535" \
	"web --port 22" "web --port 1,3,5,7,9,11,13,15,17,19,21,23,25,27,29,31,33"; do
	# shellcheck disable=SC2086 # the words are the arguments
	"$RAWTUNE" apply $args --dry-run >"$TEST_TMP/dry.nft" || fail "$args: dry run failed"
	nft -f "$TEST_TMP/dry.nft" || fail "$args: nft -f refused the dry run: $(cat "$TEST_TMP/dry.nft")"
	# shellcheck disable=SC2086
	"$RAWTUNE" apply $args >"$TEST_TMP/out" 2>&1 || fail "$args: apply: $(cat "$TEST_TMP/out")"
	grep -q 'nothing changed' "$TEST_TMP/out" ||
		fail "$args: apply rewrote what nft -f loaded from its dry run: $(cat "$TEST_TMP/out")"
	nft list table inet rawtune >"$TEST_TMP/listed" || fail "$args: nft list"
	"$RAWTUNE" remove --all >/dev/null || fail "$args: remove"
	nft -f "$TEST_TMP/listed" || fail "$args: nft -f refused nft's own listing"
	# shellcheck disable=SC2086
	"$RAWTUNE" apply $args >"$TEST_TMP/out" 2>&1 || fail "$args: apply: $(cat "$TEST_TMP/out")"
	grep -q 'nothing changed' "$TEST_TMP/out" || fail "$args: the listing reloaded differs"
	"$RAWTUNE" remove --all >/dev/null || fail "$args: remove"
	n=$((n + 1))
done
nft list tables | grep -q rawtune && fail "table left after remove --all"
pass "$n profiles: nft -f of the dry run is what apply writes, and nft's listing loads back"
