#!/bin/bash
# rawtune_profile_apply()'s report against the kernel, with both backends:
# the rules it says it added and removed are exactly those that appeared in
# and went from the kernel (iptables-legacy-save, nft list ruleset), its
# families are those that hold the profile's raw rules, its backend the one
# that holds them; applied again, it adds and removes nothing. The example
# of librawtune(3) builds and prints what the page says.
. "${TESTS_SRCDIR:?make check sets TESTS_SRCDIR}/lib.sh"
need_root_and unshare nft iptables-legacy-save ip6tables-legacy-save iptables-legacy-restore \
	ip6tables-legacy-restore
enter_netns "$@"
HELPER="$(dirname "$RAWTUNE")/../tests/apply-report"
[ -x "$HELPER" ] || skip "needs tests/apply-report (make check builds it)"

export RAWTUNE_PROFILE_DIR="$TEST_TMP/profiles.d"
mkdir -p "$RAWTUNE_PROFILE_DIR"
profile() {
	local name=$1

	shift
	printf '%s\n' "$@" >"$RAWTUNE_PROFILE_DIR/$name.conf"
}

# The rules of profile $1 in the kernel, one a line: "FAMILY TABLE RULE"
# (legacy) or "CHAIN RULE" (nf_tables), without counters.
rules_legacy() {
	local fam

	for fam in ipv4 ipv6; do
		if [ $fam = ipv4 ]; then save4; else save6; fi |
			awk -v fam=$fam -v tag="\"rawtune:$1\"" \
				'/^\*/ { table = substr($0, 2) }
				 index($0, tag) { print fam, table, $0 }'
	done
}
rules_nft() {
	nft list ruleset |
		awk -v tag="comment \"rawtune:$1\"" \
			'$1 == "chain" { chain = $2 }
			 index($0, tag) {
				sub(/^[ \t]+/, "")
				sub(/counter packets [0-9]+ bytes [0-9]+/, "counter")
				print chain, $0
			 }'
}
rules() { "rules_$BACKEND" "$1" | sort; }

# The families of those rules that untrack (raw): a legacy rule's family is
# its table's; an nf_tables rule names its family (an address, meta
# nfproto), or is in both.
raw_families() {
	local v4=0 v6=0

	if [ "$BACKEND" = legacy ]; then
		grep -q '^ipv4 raw ' "$1" && v4=1
		grep -q '^ipv6 raw ' "$1" && v6=1
	else
		grep -Eq ' (ip [ds]addr|meta nfproto ipv4) ' "$1" && v4=1
		grep -Eq ' (ip6 [ds]addr|meta nfproto ipv6) ' "$1" && v6=1
		grep -Evq ' (ip6? [ds]addr|meta nfproto ipv[46]) ' "$1" && v4=1 v6=1
	fi
	case $v4$v6 in
	11) echo ipv4+ipv6 ;;
	10) echo ipv4 ;;
	01) echo ipv6 ;;
	*) echo none ;;
	esac
}

# check NAME FAMILIES: apply NAME; the report must say what the kernel shows
# changed, and FAMILIES, which the kernel's raw rules must have too.
check() {
	local name=$1 families=$2 out added removed kernel

	rules "$name" >"$TEST_TMP/before"
	out=$("$HELPER" "$name") || fail "$BACKEND: apply $name failed: $out"
	rules "$name" >"$TEST_TMP/after"
	added=$(comm -13 "$TEST_TMP/before" "$TEST_TMP/after" | wc -l)
	removed=$(comm -23 "$TEST_TMP/before" "$TEST_TMP/after" | wc -l)
	kernel=$(raw_families "$TEST_TMP/after")
	[ "$kernel" = "$families" ] ||
		fail "$BACKEND: $name has raw rules in $kernel, not $families: $(cat "$TEST_TMP/after")"
	[ "$out" = "added $added removed $removed families $families backend $BACKEND" ] ||
		fail "$BACKEND: apply $name reported '$out'; the kernel: $added added, $removed removed, $kernel"
	pass "$BACKEND: apply $name: $out"
	ADDED=$added REMOVED=$removed
}

# Each profile's ports apart, so that no two profiles share a twin.
run_backend() {
	export RAWTUNE_BACKEND=$1 BACKEND=$1

	profile both 'ports = 8080'
	profile v4 'ports = 8081' 'addresses = 10.9.0.1'
	profile only4 'ports = 8082' 'family = ipv4'
	profile later 'ports = 8083'
	check both ipv4+ipv6
	[ "$ADDED" -gt 0 ] && [ "$REMOVED" -eq 0 ] || fail "$BACKEND: a first apply of both added nothing"
	# applied again: nothing changed, and the report says so
	check both ipv4+ipv6
	[ "$ADDED" -eq 0 ] && [ "$REMOVED" -eq 0 ] || fail "$BACKEND: applying both again changed rules"
	check v4 ipv4
	[ "$ADDED" -gt 0 ] || fail "$BACKEND: v4 added nothing"
	check v4 ipv4
	[ "$ADDED" -eq 0 ] && [ "$REMOVED" -eq 0 ] || fail "$BACKEND: applying v4 again changed rules"
	check only4 ipv4
	# other ports: every rule of the port goes, its replacements come
	profile both 'ports = 8084'
	check both ipv4+ipv6
	[ "$ADDED" -gt 0 ] && [ "$REMOVED" -gt 0 ] || fail "$BACKEND: new ports replaced nothing"
	# no family left: the rules go, none come, and the report names no family
	profile v4 'ports = 8081' 'addresses = 10.9.0.1' 'family = ipv6'
	check v4 none
	[ "$ADDED" -eq 0 ] && [ "$REMOVED" -gt 0 ] || fail "$BACKEND: v4 in ipv6 kept its rules"
	# the tool's line comes from the report
	out=$("$RAWTUNE" apply only4 2>/dev/null)
	[ "$out" = "only4: already applied (ipv4), nothing changed" ] ||
		fail "$BACKEND: rawtune apply only4 said: $out"
	# a caller that wants no report gets the rules all the same
	out=$("$HELPER" -n later) || fail "$BACKEND: apply without a report failed: $out"
	[ "$(rules later | wc -l)" -gt 0 ] || fail "$BACKEND: apply without a report made no rules"
	pass "$BACKEND: apply without a report: $(rules later | wc -l) rules"
	"$RAWTUNE" remove --all --quiet || fail "$BACKEND: remove --all failed"
}

# nf_tables first: its guard refuses where a legacy filter table needs twins.
run_backend nft
[ -z "$(nft list ruleset)" ] || fail "remove --all left nf_tables rules: $(nft list ruleset)"

# The legacy firewall twins are made for: drop, but RELATED,ESTABLISHED and
# NEW on the profiles' ports, in both families.
for restore in iptables-legacy-restore ip6tables-legacy-restore; do
	$restore <<'RULES' || fail "$restore"
*filter
:INPUT DROP [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -i lo -j ACCEPT
-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A INPUT -p tcp -m conntrack --ctstate NEW -m multiport --dports 8080:8084 -j ACCEPT
COMMIT
RULES
done
run_backend legacy

# librawtune(3)'s example, built as written, prints the lines the page shows
# on the firewall it names (NEW accepted on port 80), and then after a success.
if ! command -v cc >/dev/null; then
	echo "librawtune(3)'s example not built: no cc"
	exit 0
fi
MAN="$TESTS_SRCDIR/../man/librawtune.3"
awk '/^\.EX/ { buf = ""; inex = 1; next }
     /^\.EE/ { if (buf ~ /rawtune_profile_apply\(web/) printf "%s", buf; inex = 0; next }
     inex { buf = buf $0 "\n" }' "$MAN" | sed -e 's/\\e/\\/g' -e 's/\\-/-/g' >"$TEST_TMP/example.c"
libs="$(dirname "$RAWTUNE")/../lib/.libs"
cc -Wall -Werror -I"$TESTS_SRCDIR/../include" -o "$TEST_TMP/example" "$TEST_TMP/example.c" \
	-L"$libs" -lrawtune || fail "librawtune(3)'s example does not build"
for cmd in iptables-legacy ip6tables-legacy; do
	$cmd -A INPUT -p tcp -m conntrack --ctstate NEW -m tcp --dport 80 -j ACCEPT || fail "$cmd"
done
first=$(grep -Em1 '^web: [0-9]+ rules added, [0-9]+ removed, [0-9]+ entries deleted$' "$MAN")
again=$(sed -n 's/.*"\(web: 0 rules added, 0 removed, 0 entries deleted\)".*/\1/p' "$MAN")
[ -n "$first" ] && [ -n "$again" ] || fail "librawtune(3) shows no output of its example"
out=$(LD_LIBRARY_PATH="$libs" RAWTUNE_BACKEND=legacy "$TEST_TMP/example") ||
	fail "librawtune(3)'s example failed: $out"
[ "$out" = "$first" ] || fail "librawtune(3)'s example printed '$out', the page shows '$first'"
out=$(LD_LIBRARY_PATH="$libs" RAWTUNE_BACKEND=legacy "$TEST_TMP/example")
[ "$out" = "$again" ] || fail "librawtune(3)'s example, run again, printed '$out', not '$again'"
pass "librawtune(3)'s example prints '$first', then '$again'"
