#!/bin/bash
# Configuration read as a root daemon must: a profile file, the profile
# directory or the boot file that is a link, a FIFO, not root's or writable
# by group or others is refused in one line naming the path and the reason,
# quickly (a FIFO must not hang boot), without quoting the file and without
# changing a rule.
. "${TESTS_SRCDIR:?make check sets TESTS_SRCDIR}/lib.sh"
need_root_and unshare iptables-legacy-save ip6tables-legacy-save timeout mkfifo
enter_netns "$@"

export RAWTUNE_PROFILE_DIR="$TEST_TMP/profiles.d"
export RAWTUNE_CONFIG="$TEST_TMP/rawtune.conf"
PD=$RAWTUNE_PROFILE_DIR
mkdir "$PD"
# a line no message may quote: the files are refused before they are read
SECRET='description = SECRET-CONTENT'
printf '%s\n' "$SECRET" 'ports = 8080' >"$TEST_TMP/real.conf"
"$RAWTUNE" apply dns >/dev/null || fail "apply dns failed"
save_all >"$TEST_TMP/before"

# refused WHY CMD...: CMD fails within 5 s, saying only "rawtune: ...WHY...".
refused() {
	local why=$1 status
	shift
	timeout 5 "$RAWTUNE" "$@" >"$TEST_TMP/out" 2>"$TEST_TMP/err"
	status=$?
	[ $status -eq 124 ] && fail "'$*' hung ($why)"
	[ $status -ne 0 ] || fail "'$*' succeeded ($why)"
	[ "$(wc -l <"$TEST_TMP/err")" -eq 1 ] || fail "'$*': $(cat "$TEST_TMP/err")"
	grep -q "^rawtune: .*$why" "$TEST_TMP/err" || fail "'$*' said: $(cat "$TEST_TMP/err")"
	grep -q SECRET "$TEST_TMP/out" "$TEST_TMP/err" && fail "'$*' quoted the file"
	save_all >"$TEST_TMP/now"
	cmp -s "$TEST_TMP/before" "$TEST_TMP/now" || fail "'$*' changed the rules"
	pass "$* refused: $(cat "$TEST_TMP/err")"
}

# skipped WHY: profiles lists the others, and names the refused file and WHY.
skipped() {
	timeout 5 "$RAWTUNE" profiles >"$TEST_TMP/out" 2>"$TEST_TMP/err" ||
		fail "profiles failed or hung ($1): $(cat "$TEST_TMP/err")"
	[ "$(wc -l <"$TEST_TMP/err")" -eq 1 ] || fail "profiles: $(cat "$TEST_TMP/err")"
	grep -q "^rawtune: warning: profile file skipped: $1" "$TEST_TMP/err" ||
		fail "profiles said: $(cat "$TEST_TMP/err")"
	grep -q SECRET "$TEST_TMP/out" "$TEST_TMP/err" && fail "profiles quoted the file"
	grep -q '^web ' "$TEST_TMP/out" && fail "profiles lists web: $(cat "$TEST_TMP/out")"
	grep -q '^dns ' "$TEST_TMP/out" || fail "profiles lists no other profile: $(cat "$TEST_TMP/out")"
	pass "profiles skipped: $(cat "$TEST_TMP/err")"
}

# profile files
ln -s "$TEST_TMP/real.conf" "$PD/web.conf"
refused "$PD/web.conf: a symbolic link" apply web
refused "$PD/web.conf: a symbolic link" show web
skipped "$PD/web.conf: a symbolic link"
rm "$PD/web.conf"
mkfifo "$PD/web.conf"
refused "$PD/web.conf: not a regular file" apply web
skipped "$PD/web.conf: not a regular file"
rm "$PD/web.conf"
cp "$TEST_TMP/real.conf" "$PD/web.conf"
chmod 664 "$PD/web.conf"
refused "$PD/web.conf: writable by its group" apply web
chmod 646 "$PD/web.conf"
refused "$PD/web.conf: writable by others" show web
chmod 644 "$PD/web.conf"
chown 4321 "$PD/web.conf"
refused "$PD/web.conf: not owned by root" apply web
chown 0 "$PD/web.conf"
"$RAWTUNE" show web | grep -qx 'ports = 8080' || fail "root's own 0644 file was not read"

# the profile directory: it could swap any file, the built-ins' too
chmod 775 "$PD"
refused "$PD: writable by its group" apply web
refused "$PD: writable by its group" apply ntp
chmod 755 "$PD"
chown 4321 "$PD"
refused "$PD: not owned by root" profiles
chown 0 "$PD"
mv "$PD" "$TEST_TMP/real.d"
ln -s "$TEST_TMP/real.d" "$PD"
refused "$PD: a symbolic link" show web
rm "$PD"
mv "$TEST_TMP/real.d" "$PD"

# the boot file
ln -s "$TEST_TMP/real.conf" "$RAWTUNE_CONFIG"
refused "$RAWTUNE_CONFIG: a symbolic link" apply --all
rm "$RAWTUNE_CONFIG"
mkfifo "$RAWTUNE_CONFIG"
refused "$RAWTUNE_CONFIG: not a regular file" apply --all
rm "$RAWTUNE_CONFIG"
echo 'apply = ntp' >"$RAWTUNE_CONFIG"
chmod 666 "$RAWTUNE_CONFIG"
refused "$RAWTUNE_CONFIG: writable by group and others" apply --all
chmod 644 "$RAWTUNE_CONFIG"
"$RAWTUNE" apply --all >/dev/null || fail "root's own boot file was not read"
