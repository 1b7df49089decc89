#!/bin/bash
# The rawtune program under valgrind, one run per command a user types and
# two bad inputs: no memory error, no leaked block (definite or indirect),
# each run's exit status the expected one. Skipped when rawtune is built
# with sanitizers, which valgrind cannot run (make check already checks
# such a build under AddressSanitizer's leak checker).
. "${TESTS_SRCDIR:?make check sets TESTS_SRCDIR}/lib.sh"
need_root_and unshare valgrind ldd iptables-legacy-save ip6tables-legacy-save nft
enter_netns "$@"

# In the build tree $RAWTUNE is libtool's wrapper script: libtool runs the
# program it wraps (with the library path it needs) under valgrind and ldd.
LIBTOOL="$(dirname "$RAWTUNE")/../libtool"
under() {
	if [ -x "$LIBTOOL" ]; then
		"$LIBTOOL" --mode=execute "$@"
	else
		"$@"
	fi
}
under ldd "$RAWTUNE" >"$TEST_TMP/ldd" || fail "ldd $RAWTUNE failed"
grep -q 'libasan\|libubsan' "$TEST_TMP/ldd" &&
	skip "rawtune is built with sanitizers, which valgrind cannot run"

export RAWTUNE_PROFILE_DIR="$TEST_TMP/profiles.d"
mkdir "$RAWTUNE_PROFILE_DIR"

# grind STATUS ARGS...: rawtune ARGS under valgrind exits STATUS, and
# valgrind found nothing (it would exit 99).
runs=0
grind() {
	local want=$1 status log="$TEST_TMP/valgrind.$runs"
	shift
	runs=$((runs + 1))

	under valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect \
		--error-exitcode=99 --log-file="$log" "$RAWTUNE" "$@" >"$TEST_TMP/out" 2>"$TEST_TMP/err"
	status=$?
	if [ "$status" -eq 99 ] || [ -s "$log" ]; then
		cat "$log" >&2
		fail "rawtune $*: valgrind found errors (above)"
	fi
	[ "$status" -eq "$want" ] ||
		fail "rawtune $*: exit $status under valgrind, want $want: $(cat "$TEST_TMP/err")"
}

grind 0 --help
grind 0 apply web --port 80
grind 0 apply web --port 80
grind 0 status
grind 0 status --json
grind 0 profiles
grind 0 profiles --json
grind 0 show dns
# tracked flows for stats and top to count: UDP datagrams over loopback
for port in 5353 5354 5354; do echo x >/dev/udp/127.0.0.1/$port; done
grind 0 stats
grind 0 stats --json
grind 0 top
grind 0 top --count 1 --json
grind 0 watch --interval 1 --count 2 --prometheus "$TEST_TMP/rawtune.prom"
grep -q '^rawtune_conntrack_entries ' "$TEST_TMP/rawtune.prom" ||
	fail "watch --prometheus under valgrind wrote no entries metric"
grind 0 apply dns --dry-run
grind 0 remove web
grind 0 apply dns
grind 0 remove --all
save_all | grep -q RAWTUNE && fail "remove --all under valgrind left rules"
# The nf_tables backend over an nftables firewall: the guard's walks of
# tracked and untracked packets (a refusal, then an apply once the twin is
# there), sets of ports, status, the dry run, remove.
nft -f - <<'NFT' || fail "cannot load the nft firewall"
table inet filter {
	chain input {
		type filter hook input priority 0; policy drop;
		iif lo accept
		ct state established,related accept
		tcp dport { 22, 8080 } ct state new accept
		reject
	}
}
NFT
export RAWTUNE_BACKEND=nft
grind 1 apply web --port 8080
nft insert rule inet filter input position "$(nft -a list chain inet filter input |
	sed -n 's/.*tcp dport { 22, 8080 } ct state new accept # handle //p')" \
	tcp dport 8080 ct state untracked accept
grind 0 apply web --port 8080
grind 0 apply web --port 8080
grind 0 apply web --port 8080,9000-9100
grind 0 status --json
grind 0 apply web --port 8080 --dry-run
grind 0 remove web
nft list tables | grep -q rawtune && fail "remove under valgrind left table inet rawtune"
nft flush ruleset
export RAWTUNE_BACKEND=legacy
grind 2 apply web --port 80,,81
printf '%s\n' 'ports = 80' 'colour = red' >"$RAWTUNE_PROFILE_DIR/broken.conf"
grind 2 apply broken
pass "$runs rawtune commands under valgrind: no memory error, nothing leaked"
