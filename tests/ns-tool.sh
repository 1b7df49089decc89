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

# A short option means one thing in every command: collect "-X, --long" from
# each command's help and refuse a letter with two meanings.
for cmd in apply remove enable disable status profiles show stats watch top; do
	"$RAWTUNE" $cmd --help | sed -n 's/^  \(-[[:alnum:]]\), \(--[[:alnum:]-]*\).*/\1 \2/p'
done | sort -u >"$TEST_TMP/shorts"
dup=$(cut -d' ' -f1 "$TEST_TMP/shorts" | uniq -d)
[ -z "$dup" ] || fail "short options with two meanings: $(grep -E "^($(echo $dup | tr ' ' '|')) " "$TEST_TMP/shorts" | tr '\n' ' ')"
for want in '-j --json' '-q --quiet' '-p --port' '-n --dry-run' '-c --count'; do
	grep -qxF -- "$want" "$TEST_TMP/shorts" || fail "no '$want' in any command's help"
done
for cmd in status profiles stats; do
	"$RAWTUNE" $cmd -j --help >/dev/null || fail "$cmd takes no -j"
done
"$RAWTUNE" top -c 1 -j --help >/dev/null || fail "top takes no -c or -j"
"$RAWTUNE" watch -c 1 -j --help >/dev/null || fail "watch takes no -c or -j"
pass "each short option has one meaning: $(tr '\n' ' ' <"$TEST_TMP/shorts")"

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
grep -q "'rawtune profiles' lists them" "$TEST_TMP/err1" || fail "unknown profile: no hint: $(cat "$TEST_TMP/err1")"
expect_error 2 apply Web
grep -q "did you mean 'web'?" "$TEST_TMP/err1" || fail "apply Web: no 'did you mean': $(cat "$TEST_TMP/err1")"
expect_error 2 show memcache
grep -q "did you mean 'memcached'?" "$TEST_TMP/err1" || fail "show memcache: $(cat "$TEST_TMP/err1")"
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
expect_error 2 top -n 3
expect_error 2 watch -p /dev/null
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
hold_lock 5
start=$(date +%s)
expect_error 1 apply web --port 8080 --wait 1
grep -q "^rawtune: web: flock (pid [0-9]*) holds the xtables lock $XTABLES_LOCKFILE (waited 1 s); to wait longer: --wait SECONDS$" "$TEST_TMP/err1" ||
	fail "lock error does not name the holder and --wait: $(cat "$TEST_TMP/err1")"
[ $(($(date +%s) - start)) -le 3 ] || fail "--wait 1 waited longer than 3 s"
wait
pass "busy lock: $(cat "$TEST_TMP/err1")"

# --quiet: nothing on stdout when all went well, the change made all the same.
out=$("$RAWTUNE" apply -q web --port 8081 2>&1) || fail "apply -q failed"
[ -z "$out" ] || fail "apply -q said: $out"
iptables-legacy-save | grep -q -- '--dport 8081 ' || fail "apply -q applied nothing"
out=$("$RAWTUNE" remove --quiet web 2>&1) || fail "remove --quiet failed"
[ -z "$out" ] || fail "remove --quiet said: $out"
save_all | grep -q 'rawtune:web' && fail "remove --quiet removed nothing"
pass "apply -q and remove --quiet say nothing and do their work"

# RAWTUNE_LOG: an unknown value is said once, not silently taken as err;
# debug output is one line per message, never an empty one.
RAWTUNE_LOG=verbose "$RAWTUNE" profiles >/dev/null 2>"$TEST_TMP/err" || fail "profiles failed"
[ "$(cat "$TEST_TMP/err")" = "rawtune: warning: RAWTUNE_LOG=verbose: unknown, use err|warning|notice|info|debug or 0-7" ] ||
	fail "RAWTUNE_LOG=verbose: $(cat "$TEST_TMP/err")"
RAWTUNE_LOG=DEBUG "$RAWTUNE" apply web --port 8082 >/dev/null 2>"$TEST_TMP/err" || fail "apply failed"
grep -q '^rawtune: took the xtables lock' "$TEST_TMP/err" || fail "RAWTUNE_LOG=DEBUG: no debug output"
grep -n '^$' "$TEST_TMP/err" && fail "debug output has an empty line: $(cat "$TEST_TMP/err")"
pass "RAWTUNE_LOG: unknown values warned of, debug output without empty lines"

# status PROFILE refuses a bad profile name as apply and remove do (checked
# last: the other checks run either way).
save_all >"$TEST_TMP/before"
for name in ../web 'web;ls' aaaaaaaaaaaaaaaaaaaaa; do
	expect_error 2 status "$name"
done
pass "status refuses bad profile names"
