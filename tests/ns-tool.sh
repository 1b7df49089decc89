#!/bin/bash
# The rawtune program as a user meets it: help, version, and bad input of
# every kind answered with one "rawtune:" line, a non-zero exit and no rule
# changed.
. "${TESTS_SRCDIR:?make check sets TESTS_SRCDIR}/lib.sh"
need_root_and unshare setpriv iptables-legacy-save ip6tables-legacy-save
enter_netns "$@"

"$RAWTUNE" --help | grep -q '^  apply ' || fail "--help does not list apply"
"$RAWTUNE" apply --help | grep -q -- '--port LIST' || fail "apply --help does not explain --port"
"$RAWTUNE" --version | grep -Eqx 'rawtune [0-9]+\.[0-9]+\.[0-9]+' || fail "--version: $("$RAWTUNE" --version)"
pass "help and version"

"$RAWTUNE" apply web --port 80 >/dev/null || fail "apply failed"
save_all >"$TEST_TMP/before"

# expect_error STATUS ARGS...: exactly one stderr line starting "rawtune:" (plus
# an optional "Try" hint), nothing on stdout, the exit status, no rule changed.
expect_error() {
	local want=$1 status
	shift
	"$RAWTUNE" "$@" >"$TEST_TMP/out" 2>"$TEST_TMP/err"
	status=$?
	[ "$status" -eq "$want" ] || fail "rawtune $*: exit $status, want $want"
	[ -s "$TEST_TMP/out" ] && fail "rawtune $*: printed on stdout: $(cat "$TEST_TMP/out")"
	grep -v "^Try 'rawtune" "$TEST_TMP/err" >"$TEST_TMP/err1"
	[ "$(wc -l <"$TEST_TMP/err1")" -eq 1 ] || fail "rawtune $*: want one error line, got: $(cat "$TEST_TMP/err")"
	grep -q '^rawtune: ' "$TEST_TMP/err1" || fail "rawtune $*: error does not start 'rawtune:': $(cat "$TEST_TMP/err1")"
	save_all >"$TEST_TMP/now"
	cmp -s "$TEST_TMP/before" "$TEST_TMP/now" || fail "rawtune $*: rules changed"
}

for ports in 0 65536 abc 80- -1 80,,81 90-80 99999999999999999999 '' ' ' 80, ,80 '80 81' \
	80-90-100 '8o' 1-0 +80 0x50 '80;reboot' "$(printf '80\n81')"; do
	expect_error 2 apply web --port "$ports"
done
pass "malformed port lists are refused"
grep -q "bad port '65536'" <("$RAWTUNE" apply web --port 80,65536 2>&1) || fail "error does not name the bad port"

for name in '' ../web 'web;ls' 'a b' web/x aaaaaaaaaaaaaaaaaaaaa '$(id)' -web; do
	expect_error 2 apply "$name"
done
expect_error 2 apply nosuchprofile
grep -q "unknown profile 'nosuchprofile'" <("$RAWTUNE" apply nosuchprofile 2>&1) ||
	fail "unknown profile not named"
for name in ../web 'web;ls' aaaaaaaaaaaaaaaaaaaaa; do
	expect_error 2 remove "$name"
done
pass "bad and unknown profile names are refused"

expect_error 2
expect_error 2 frobnicate
expect_error 2 --frobnicate
expect_error 2 apply
expect_error 2 apply web extra
expect_error 2 apply web --port
expect_error 2 apply web --colour
expect_error 2 apply web -x
expect_error 2 apply web -4 -6
expect_error 2 apply web --wait soon
expect_error 2 apply web --wait -1
expect_error 2 remove
expect_error 2 remove web extra
expect_error 2 status web extra
expect_error 2 status --json-ish
pass "unknown commands, options and missing arguments are usage errors"

# status PROFILE: a profile that is not applied is exit 4, one line.
expect_error 4 status extra
grep -qx "rawtune: extra: not applied" "$TEST_TMP/err1" || fail "status extra said: $(cat "$TEST_TMP/err1")"
pass "status of a profile not applied: exit 4"

# Without CAP_NET_ADMIN: a clear permission error, exit 1.
chmod 0755 "$TEST_TMP"
touch "$XTABLES_LOCKFILE" && chmod 0666 "$XTABLES_LOCKFILE"
setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
	"$RAWTUNE" apply web --port 80 >"$TEST_TMP/out" 2>"$TEST_TMP/err"
status=$?
[ $status -eq 1 ] || fail "unprivileged apply: exit $status, want 1"
grep -q '^rawtune: web: .*Permission denied' "$TEST_TMP/err" ||
	fail "unprivileged apply: $(cat "$TEST_TMP/err")"
pass "without privileges: $(cat "$TEST_TMP/err")"

# A lock that stays busy: --wait bounds the wait, the message names the lock.
flock "$XTABLES_LOCKFILE" sleep 5 &
sleep 0.3
start=$(date +%s)
expect_error 1 apply web --port 8080 --wait 1
grep -q "xtables lock $XTABLES_LOCKFILE" "$TEST_TMP/err1" || fail "lock error: $(cat "$TEST_TMP/err1")"
[ $(($(date +%s) - start)) -le 3 ] || fail "--wait 1 waited longer than 3 s"
wait
pass "busy lock: $(cat "$TEST_TMP/err1")"

# status PROFILE refuses a bad profile name as apply and remove do (checked
# last: the other checks run either way).
for name in ../web 'web;ls' aaaaaaaaaaaaaaaaaaaaa; do
	expect_error 2 status "$name"
done
pass "status refuses bad profile names"
