#!/bin/bash
# apply --all: the profiles of the boot file rawtune.conf, in its order and
# with its ports, give the same rules as applying each by hand; a profile
# that fails does not stop the others; a broken or missing file changes
# nothing; remove --all takes everything away again.
. "${TESTS_SRCDIR:?make check sets TESTS_SRCDIR}/lib.sh"
need_root_and unshare iptables-legacy iptables-legacy-save ip6tables-legacy-save
enter_netns "$@"

export RAWTUNE_CONFIG="$TEST_TMP/rawtune.conf"
export RAWTUNE_PROFILE_DIR="$TEST_TMP/profiles.d"
mkdir -p "$RAWTUNE_PROFILE_DIR"
printf 'ports = 9000-9002\nfamily = ipv4\n' >"$RAWTUNE_PROFILE_DIR/site.conf"

for t in raw filter nat; do
	iptables-legacy -t $t -S >/dev/null
	ip6tables-legacy -t $t -S >/dev/null
done
save_all >"$TEST_TMP/empty"

# The tables after applying the three profiles one by one, by hand.
"$RAWTUNE" apply web --port 8080 >/dev/null || fail "apply web --port 8080 failed"
"$RAWTUNE" apply dns >/dev/null || fail "apply dns failed"
"$RAWTUNE" apply site >/dev/null || fail "apply site failed"
save_all >"$TEST_TMP/by-hand"
"$RAWTUNE" remove --all >/dev/null || fail "remove --all failed"

# No boot file: an error naming it, nothing changed.
out=$("$RAWTUNE" apply --all 2>&1) && fail "apply --all without rawtune.conf succeeded: $out"
[ $? -eq 1 ] || fail "apply --all without rawtune.conf: exit status not 1"
[[ $out == "rawtune: apply --all: cannot read $RAWTUNE_CONFIG: No such file or directory"* ]] ||
	fail "apply --all without rawtune.conf said: $out"
pass "a missing rawtune.conf is an error naming it"

cat >"$RAWTUNE_CONFIG" <<'CONF'
# the profiles to apply at boot
apply = web ports=8080
apply = dns

apply = site
CONF

"$RAWTUNE" apply --all --dry-run >"$TEST_TMP/dry" || fail "apply --all --dry-run failed"
[ "$(grep '^# profile ' "$TEST_TMP/dry" | tr '\n' ' ')" = "# profile web # profile dns # profile site " ] ||
	fail "dry run's profiles: $(grep '^# profile ' "$TEST_TMP/dry")"
grep -q -- '--dport 8080 ' "$TEST_TMP/dry" || fail "dry run lacks web's port 8080"
save_all >"$TEST_TMP/now"
assert_same "$TEST_TMP/empty" "$TEST_TMP/now" "apply --all --dry-run changes nothing"

"$RAWTUNE" apply --all >"$TEST_TMP/out" || fail "apply --all failed: $(cat "$TEST_TMP/out")"
cut -d: -f1 "$TEST_TMP/out" | tr '\n' ' ' | grep -qx "web dns site " ||
	fail "apply --all said: $(cat "$TEST_TMP/out")"
grep -q '^site: .* rules added, ipv4$' "$TEST_TMP/out" || fail "site line: $(cat "$TEST_TMP/out")"
pass "apply --all: one line per profile, in the file's order"
save_all >"$TEST_TMP/all"
assert_same "$TEST_TMP/by-hand" "$TEST_TMP/all" "apply --all makes the rules that applying each by hand makes"

"$RAWTUNE" apply --all >"$TEST_TMP/out" || fail "second apply --all failed"
[ "$(grep -c 'already applied' "$TEST_TMP/out")" -eq 3 ] ||
	fail "second apply --all said: $(cat "$TEST_TMP/out")"
pass "apply --all again changes nothing"

# A broken line: exit 2, the file and line named, no rule changed.
printf 'apply = web ports=8081\napply = nosuch\n' >"$RAWTUNE_CONFIG"
out=$("$RAWTUNE" apply --all 2>&1) && fail "apply --all with an unknown profile succeeded"
[ $? -eq 2 ] || fail "apply --all with an unknown profile: exit status not 2"
[[ $out == "rawtune: $RAWTUNE_CONFIG:2: unknown profile 'nosuch'"* ]] ||
	fail "apply --all with an unknown profile said: $out"
save_all >"$TEST_TMP/now"
assert_same "$TEST_TMP/all" "$TEST_TMP/now" "a broken rawtune.conf changes no rule"

# The NAT guard refuses dns: the others are applied all the same, exit 1.
"$RAWTUNE" remove --all >/dev/null || fail "remove --all failed"
iptables-legacy -t nat -A PREROUTING -p udp --dport 53 -j DNAT --to-destination 192.0.2.1:5353
printf 'apply = dns\napply = web ports=8080\n' >"$RAWTUNE_CONFIG"
"$RAWTUNE" apply --all >"$TEST_TMP/out" 2>"$TEST_TMP/err" && fail "apply --all with dns refused succeeded"
[ $? -eq 1 ] || fail "apply --all with dns refused: exit status not 1"
grep -q '^web: ' "$TEST_TMP/out" || fail "web not applied after dns failed: $(cat "$TEST_TMP/out")"
grep -q '^rawtune: dns: ' "$TEST_TMP/err" || fail "no error for dns: $(cat "$TEST_TMP/err")"
tail -1 "$TEST_TMP/err" | grep -qx 'rawtune: apply --all: 1 of 2 profiles failed: dns' ||
	fail "last error line: $(tail -1 "$TEST_TMP/err")"
"$RAWTUNE" status | grep -q '^dns: ' && fail "dns applied despite the NAT guard"
pass "a profile that fails does not stop the others, and is named"
"$RAWTUNE" apply --all --force --wait 5 >"$TEST_TMP/out" || fail "apply --all --force failed"
grep -q '^dns: ' "$TEST_TMP/out" || fail "apply --all --force said: $(cat "$TEST_TMP/out")"
pass "apply --all --force applies past the NAT guard"
iptables-legacy -t nat -F PREROUTING

# remove --all leaves the tables as they were.
"$RAWTUNE" remove --all >/dev/null || fail "remove --all failed"
save_all >"$TEST_TMP/after"
assert_same "$TEST_TMP/empty" "$TEST_TMP/after" "remove --all leaves the tables as they were"

# Options that --all excludes.
for args in "web" "--port 80" "--proto udp" "-4" "-6"; do
	# shellcheck disable=SC2086 # the words of $args are separate arguments
	"$RAWTUNE" apply --all $args >/dev/null 2>&1
	[ $? -eq 2 ] || fail "apply --all $args: exit status not 2"
done
pass "--all excludes a profile, --port, --proto, -4 and -6"
