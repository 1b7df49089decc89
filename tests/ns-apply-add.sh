#!/bin/bash
# apply --add-port adds to the ports applied now (read back from the
# kernel), keeping an earlier --proto and -4; apply --name makes a profile
# on the command line, and refuses the name of a built-in or file profile.
# Bad input is one "rawtune: ..." line, a non-zero exit, and no rule changed.
# A namespace without a firewall: rawtune writes raw rules only.
. "${TESTS_SRCDIR:?make check sets TESTS_SRCDIR}/lib.sh"
need_root_and unshare iptables-legacy-save ip6tables-legacy-save
enter_netns "$@"

export RAWTUNE_PROFILE_DIR="$TEST_TMP/profiles.d"
mkdir "$RAWTUNE_PROFILE_DIR"

# ports FAMILY PROFILE: the port lists of the profile's raw rules, sorted, one a line.
ports() {
	local save=iptables-legacy-save

	[ "$1" = ipv6 ] && save=ip6tables-legacy-save
	$save -t raw 2>/dev/null | grep -F "\"rawtune:$2\"" |
		sed -n 's/.*--[ds]ports\{0,1\} \([0-9,:-]*\) .*/\1/p' | sort -u
}
# protos FAMILY PROFILE: the protocols of its raw rules, sorted.
protos() {
	local save=iptables-legacy-save

	[ "$1" = ipv6 ] && save=ip6tables-legacy-save
	$save -t raw 2>/dev/null | grep -F "\"rawtune:$2\"" |
		sed -n 's/.* -p \([a-z]*\) .*/\1/p' | sort -u | paste -sd,
}
# refused WHAT EXIT PATTERN ARGS...: apply ARGS fails with EXIT, its first line
# of stderr matches "rawtune: PATTERN", and no rule changed.
refused() {
	local what=$1 want=$2 pattern=$3 rc
	shift 3

	save_all >"$TEST_TMP/before"
	"$RAWTUNE" apply "$@" >/dev/null 2>"$TEST_TMP/err"
	rc=$?
	[ $rc -eq "$want" ] || fail "$what: exit $rc, want $want: $(cat "$TEST_TMP/err")"
	head -n 1 "$TEST_TMP/err" | grep -qE "^rawtune: $pattern" ||
		fail "$what: $(cat "$TEST_TMP/err")"
	save_all >"$TEST_TMP/after"
	assert_same "$TEST_TMP/before" "$TEST_TMP/after" "$what changes no rule"
}

# ---- --add-port ---------------------------------------------------------------------
refused "--add-port, web not applied" 1 "web: not applied" web --add-port 8080
"$RAWTUNE" apply web --port 80 --proto tcp -4 -q || fail "apply web --port 80 -4 failed"
"$RAWTUNE" apply web --add-port 8080,8081 -q || fail "apply web --add-port failed"
[ "$(ports ipv4 web | paste -sd' ')" = "80,8080:8081" ] ||
	fail "--add-port: ipv4 ports $(ports ipv4 web | paste -sd' '), want 80,8080:8081"
[ -z "$(ports ipv6 web)" ] || fail "--add-port undid -4: ipv6 rules $(ports ipv6 web)"
# repeated, the lists add up; a port already there changes nothing
"$RAWTUNE" apply web --add-port 443 --add-port 80 -q || fail "apply web --add-port twice failed"
[ "$(ports ipv4 web | paste -sd' ')" = "80,443,8080:8081" ] ||
	fail "--add-port twice: ipv4 ports $(ports ipv4 web | paste -sd' ')"
"$RAWTUNE" apply web --add-port 8080 -j >"$TEST_TMP/same.json" || fail "apply web --add-port 8080 failed"
grep -q '"changed":false' "$TEST_TMP/same.json" || fail "--add-port of a port there: $(cat "$TEST_TMP/same.json")"
# the ports applied, as status --json gives them
"$RAWTUNE" status web --json | grep -q '"ports":"80,443,8080-8081"' ||
	fail "status --json: $("$RAWTUNE" status web --json)"
pass "--add-port adds to the ports applied now, keeping -4; repeated, the lists add up"

refused "--add-port with --port" 2 "--port replaces the ports" web --port 80 --add-port 81
refused "--add-port 0" 2 ".*'0'" web --add-port 0
refused "--add-port 70000" 2 ".*'70000'" web --add-port 80,70000
refused "--all --add-port" 2 "--all applies" --all --add-port 80
pass "--add-port: bad lists and combinations refused, nothing changed"

# ---- --name ---------------------------------------------------------------------------
"$RAWTUNE" apply --name api --port 8000-8010 --proto tcp -q || fail "apply --name api failed"
[ "$(ports ipv4 api)" = "8000:8010" ] && [ "$(ports ipv6 api)" = "8000:8010" ] ||
	fail "--name api: ports $(ports ipv4 api) / $(ports ipv6 api)"
[ "$(protos ipv4 api)" = tcp ] || fail "--name api: protocols $(protos ipv4 api)"
"$RAWTUNE" status api >/dev/null || fail "status api: not applied"
# applied again, the one-off is replaced as any profile is; --add-port works on it too
"$RAWTUNE" apply --name api --port 9000 --proto udp -q || fail "apply --name api again failed"
[ "$(ports ipv4 api)" = 9000 ] && [ "$(protos ipv4 api)" = udp ] ||
	fail "--name api again: $(ports ipv4 api) $(protos ipv4 api)"
"$RAWTUNE" apply --name api --add-port 9001 -q || fail "apply --name api --add-port failed"
[ "$(ports ipv4 api)" = "9000:9001" ] && [ "$(protos ipv4 api)" = udp ] ||
	fail "--name api --add-port: $(ports ipv4 api) $(protos ipv4 api)"
pass "--name makes a profile on the command line; applied again, it is replaced"

printf 'ports = 7000\n' >"$RAWTUNE_PROFILE_DIR/mine.conf"
refused "--name of a built-in" 2 "--name web: there is a profile of that name \(built-in\)" \
	--name web --port 81
refused "--name of a file" 2 "--name mine: there is a profile of that name \($RAWTUNE_PROFILE_DIR/mine.conf\)" \
	--name mine --port 81
refused "--name bad" 2 "bad profile name" --name 'a b' --port 81
refused "--name too long" 2 "bad profile name" --name abcdefghijklmnopqrstuvwxyz --port 81
refused "--name without --port" 2 "--name x needs --port" --name x
refused "--name and a profile" 2 "a profile and --name" web --name x --port 81
pass "--name: names of built-in and file profiles, bad names and missing ports refused"
