#!/bin/bash
# Which backend a namespace gets (rawtune(8), BACKENDS), as "status --json"
# reports it, each case in a fresh namespace of its own: the firewall's
# legacy rules, its nf_tables tables, both, none with either iptables
# variant first in PATH, a kernel without legacy tables (the fault shim);
# --backend and the boot file's "backend =" over all that; bad values of
# either as one "rawtune:" line; rules left in the other backend listed
# with the command that removes them. The test itself runs in a private
# namespace too, so nothing reaches the machine's own tables.
. "${TESTS_SRCDIR:?make check sets TESTS_SRCDIR}/lib.sh"
need_root_and unshare ip nft iptables-legacy xtables-legacy-multi xtables-nft-multi python3
need_shim fault-shim
unset RAWTUNE_BACKEND # this test is of the choice itself
enter_netns "$@"
trap netns_cleanup EXIT

# No boot file unless a case writes one: the host's rawtune.conf is not the test's.
export RAWTUNE_CONFIG="$TEST_TMP/rawtune.conf"

# PATH with an "iptables" of the variant given first: legacy or nft.
for v in legacy nft; do
	mkdir -p "$TEST_TMP/$v"
	ln -s "$(command -v "xtables-$v-multi")" "$TEST_TMP/$v/iptables"
done

# in NS [VAR=VALUE...] [--] ARGS...: rawtune ARGS in the namespace NS
in_ns() {
	local ns=$1 env=()

	shift
	while [[ $# -gt 0 && $1 =~ ^[A-Z_]+= ]]; do
		env+=("$1")
		shift
	done
	ip netns exec "$ns" env "${env[@]}" "$RAWTUNE" "$@"
}

# expect_backend WHAT WANT REASON NS [VAR=VALUE...] [ARGS...]: status --json
# in NS says backend WANT for REASON; ARGS go before "status".
expect_backend() {
	local what=$1 want=$2 reason=$3 ns=$4 got

	shift 4
	in_ns "$ns" "$@" status --json >"$TEST_TMP/status.json" ||
		fail "$what: status --json exited $?: $(cat "$TEST_TMP/status.json")"
	got=$(python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
assert d["schema"] == 3, d
print(d["backend"] + ": " + d["backend_reason"])' "$TEST_TMP/status.json") ||
		fail "$what: $(cat "$TEST_TMP/status.json")"
	[ "$got" = "$want: $reason" ] || fail "$what: backend $got, want $want: $reason"
	pass "$what: $got"
}

# no_legacy_tables WHAT NS: the choice instantiated no legacy table in NS.
no_legacy_tables() {
	local t

	t=$(ip netns exec "$2" cat /proc/net/ip_tables_names /proc/net/ip6_tables_names 2>/dev/null)
	[ -z "$t" ] || fail "$1: legacy tables now exist: ${t//$'\n'/ }"
	pass "$1: no legacy table instantiated"
}

nft_firewall() {
	ip netns exec "$1" nft add table inet filter &&
		ip netns exec "$1" nft add chain inet filter input \
			'{ type filter hook input priority 0; policy accept; }' &&
		ip netns exec "$1" nft add rule inet filter input tcp dport 22 accept ||
		fail "cannot load the nf_tables firewall in $1"
}

legacy_firewall() {
	ip netns exec "$1" iptables-legacy -A INPUT -p tcp --dport 22 -j ACCEPT ||
		fail "cannot load the legacy firewall in $1"
}

# ---- the automatic choice -------------------------------------------------------------
netns_add A legacy
legacy_firewall "$A"
expect_backend "(a) legacy rules only" legacy "the firewall's rules are in the legacy tables" "$A"

netns_add B nft
nft_firewall "$B"
expect_backend "(b) an nf_tables table only" nft "the firewall's rules are in nf_tables" "$B"
no_legacy_tables "(b)" "$B"

netns_add C both
legacy_firewall "$C"
nft_firewall "$C"
expect_backend "(c) both" legacy \
	"the firewall has rules in the legacy tables (and tables in nf_tables)" "$C"

netns_add D none
expect_backend "(d) no firewall, iptables-nft" nft \
	"no firewall yet, and iptables is the nf_tables variant" "$D" PATH="$TEST_TMP/nft:$PATH"
no_legacy_tables "(d) with iptables-nft" "$D"
# Asking whether the kernel has legacy tables creates none.
expect_backend "(d) no firewall, iptables-legacy" legacy \
	"no firewall yet, and iptables is the legacy variant" "$D" PATH="$TEST_TMP/legacy:$PATH"
no_legacy_tables "(d) with iptables-legacy" "$D"

netns_add E nolegacy
expect_backend "(e) a kernel without legacy tables" nft \
	"the kernel has no legacy iptables tables" "$E" PATH="$TEST_TMP/legacy:$PATH" \
	LD_PRELOAD="$SHIM" RAWTUNE_FAULT_MISSING="CT"

# ---- the caller's choice and the boot file's ---------------------------------------------
expect_backend "(f) --backend legacy over nf_tables" legacy "chosen with --backend" "$B" \
	--backend legacy
expect_backend "(f) --backend=nft over legacy rules" nft "chosen with --backend" "$A" \
	--backend=nft
printf '# the boot file\napply = web\nbackend = nft\n' >"$RAWTUNE_CONFIG"
expect_backend "(f) backend = nft over legacy rules" nft "chosen in the boot file (backend =)" "$A"
expect_backend "(f) --backend auto is no --backend: the boot file's" nft \
	"chosen in the boot file (backend =)" "$A" --backend auto
printf 'backend = legacy\n' >"$RAWTUNE_CONFIG"
expect_backend "(f) --backend nft over backend = legacy" nft "chosen with --backend" "$B" \
	--backend nft
expect_backend "(f) backend = legacy over nf_tables" legacy "chosen in the boot file (backend =)" "$B"

# one_line WHAT STATUS WANT: the last command (stdout in out, stderr in err)
# failed with exit STATUS, printed nothing, and said WANT in one line.
one_line() {
	[ "$2" -eq "$3" ] || fail "$1: exit $2, want $3: $(cat "$TEST_TMP/err")"
	[ -s "$TEST_TMP/out" ] && fail "$1 printed: $(cat "$TEST_TMP/out")"
	[ "$(cat "$TEST_TMP/err")" = "$4" ] || fail "$1 said: $(cat "$TEST_TMP/err"), want: $4"
	pass "$1: $4"
}

printf 'apply = web\n\nbackend = foo\n' >"$RAWTUNE_CONFIG"
st=0
in_ns "$B" status >"$TEST_TMP/out" 2>"$TEST_TMP/err" || st=$?
one_line "a bad backend = line" "$st" 1 \
	"rawtune: status: $RAWTUNE_CONFIG:3: backend 'foo': expected auto, legacy or nft"
st=0
in_ns "$B" status --json >"$TEST_TMP/out" 2>"$TEST_TMP/err" || st=$?
one_line "a bad backend = line, --json" "$st" 1 \
	"rawtune: status: $RAWTUNE_CONFIG:3: backend 'foo': expected auto, legacy or nft"
printf 'backend = nft\nbackend = legacy\n' >"$RAWTUNE_CONFIG"
st=0
in_ns "$B" status >"$TEST_TMP/out" 2>"$TEST_TMP/err" || st=$?
one_line "a second backend = line" "$st" 1 \
	"rawtune: status: $RAWTUNE_CONFIG:2: a second 'backend' line: give it once"
rm "$RAWTUNE_CONFIG"

for args in "--backend foo status" "status --backend iptables" "--backend= apply web" \
	"apply web --backend NFT"; do
	st=0
	# shellcheck disable=SC2086 # the words
	in_ns "$D" $args >"$TEST_TMP/out" 2>"$TEST_TMP/err" || st=$?
	bad=$(sed -n "s/.*--backend[ =]\([^ ]*\).*/\1/p" <<<"$args")
	one_line "rawtune $args" "$st" 2 \
		"rawtune: bad --backend '$bad': expected legacy, nft or auto"
done
in_ns "$D" --backend nft --backend legacy status >"$TEST_TMP/out" 2>"$TEST_TMP/err" &&
	fail "--backend given twice succeeded"
grep -q "^rawtune: --backend given twice$" "$TEST_TMP/err" || fail "--backend twice said: $(cat "$TEST_TMP/err")"
ip netns exec "$D" iptables-legacy-save | grep -q 'rawtune:' && fail "a bad --backend applied web"
[ -z "$(ip netns exec "$D" nft list tables)" ] || fail "a bad --backend made an nf_tables table"
pass "bad --backend values change nothing"

# ---- rules left in the other backend ---------------------------------------------------
# web's rules in the legacy tables; then status as if the namespace used nf_tables.
in_ns "$A" --backend legacy apply -q web || fail "apply web in $A failed"
expect_backend "rawtune's legacy rules keep it legacy" legacy \
	"rawtune's rules are in the legacy raw table" "$A"
st=0
in_ns "$A" --backend nft status >"$TEST_TMP/out" 2>"$TEST_TMP/err" || st=$?
[ "$st" -eq 3 ] || fail "status with rules left in legacy: exit $st, want 3"
printf '%s\n' "backend: nft (chosen with --backend)" "no profile applied" \
	"left in legacy: web, 8 rules; 'rawtune --backend legacy remove web' removes them" |
	cmp -s - <(grep -v '^  ' "$TEST_TMP/out") || fail "status with leftovers: $(cat "$TEST_TMP/out")"
[ "$(grep -c '^  ipv[46] raw .*rawtune:web' "$TEST_TMP/out")" -eq 8 ] ||
	fail "status does not list web's 8 legacy rules: $(cat "$TEST_TMP/out")"
pass "status lists the rules left in legacy, exit 3"

st=0
"$RAWTUNE" --netns "$A" --backend nft status --json >"$TEST_TMP/out" || st=$?
[ "$st" -eq 3 ] || fail "status --json with rules left in legacy: exit $st, want 3"
python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
assert list(d) == ["schema", "backend", "backend_reason", "profiles", "leftovers"], list(d)
assert d["profiles"] == [], d
assert len(d["leftovers"]) == 1, d["leftovers"]
left = d["leftovers"][0]
assert list(left) == ["profile", "backend", "remove", "rules"], list(left)
assert left["profile"] == "web" and left["backend"] == "legacy", left
assert left["remove"] == "rawtune --netns %s --backend legacy remove web" % sys.argv[2], left
assert len(left["rules"]) == 8 and all("rawtune:web" in r["rule"] for r in left["rules"])
' "$TEST_TMP/out" "$A" || fail "status --json leftovers: $(cat "$TEST_TMP/out")"
pass "status --json: leftovers with the remove command, --netns included"

st=0
in_ns "$A" --backend nft status web >"$TEST_TMP/out" 2>"$TEST_TMP/err" || st=$?
one_line "status web, web left in legacy" "$st" 4 \
	"rawtune: web: not applied in nft, the backend in use; its rules are left in legacy: 'rawtune --backend legacy remove web' removes them"
st=0
in_ns "$A" --backend nft status dns >"$TEST_TMP/out" 2>"$TEST_TMP/err" || st=$?
one_line "status dns, applied nowhere" "$st" 4 "rawtune: dns: not applied"

# The command status names does remove them.
in_ns "$A" --backend legacy remove -q web || fail "rawtune --backend legacy remove web failed"
ip netns exec "$A" iptables-legacy-save | grep -q 'rawtune:' && fail "web's rules are still in legacy"
in_ns "$A" --backend nft status >/dev/null || fail "status after the remove: exit $?, want 0"
pass "the remove command that status names leaves nothing behind"
