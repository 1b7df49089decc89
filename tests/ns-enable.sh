#!/bin/bash
# enable and disable: rawtune.conf edited as firewall-cmd --permanent users
# expect (the profile's line in place or appended, every other line kept,
# mode kept, the file replaced whole), the rules applied or removed at once
# with the boot origin; bad input changes neither the file nor the tables.
. "${TESTS_SRCDIR:?make check sets TESTS_SRCDIR}/lib.sh"
need_root_and unshare iptables-legacy iptables-legacy-save ip6tables-legacy-save
enter_netns "$@"

export RAWTUNE_CONFIG="$TEST_TMP/etc/rawtune.conf"
export RAWTUNE_PROFILE_DIR="$TEST_TMP/etc/profiles.d"
mkdir -p "$RAWTUNE_PROFILE_DIR"
printf 'ports = 9000-9002\nfamily = ipv4\n' >"$RAWTUNE_PROFILE_DIR/site.conf"
conf=$RAWTUNE_CONFIG
for t in raw filter nat; do
	iptables-legacy -t $t -S >/dev/null
	ip6tables-legacy -t $t -S >/dev/null
done

cat >"$conf" <<'CONF'
# the profiles to apply at boot
#apply = web

apply = dns   ports = 53
# keep me
CONF
chmod 0600 "$conf"
cp "$conf" "$TEST_TMP/orig"

# The rules that enable must make: those of apply with the same options.
"$RAWTUNE" apply web --port 8080 --proto tcp -4 >/dev/null || fail "apply web failed"
save_all >"$TEST_TMP/by-hand"
"$RAWTUNE" remove --all >/dev/null || fail "remove --all failed"
save_all >"$TEST_TMP/empty"

"$RAWTUNE" enable web --port 8080 --proto tcp -4 >"$TEST_TMP/out" ||
	fail "enable web failed: $(cat "$TEST_TMP/out")"
grep -q '^web: .* rules added, ipv4$' "$TEST_TMP/out" || fail "enable said: $(cat "$TEST_TMP/out")"
grep -qx "web: enabled at boot ($conf)" "$TEST_TMP/out" || fail "enable said: $(cat "$TEST_TMP/out")"
{ cat "$TEST_TMP/orig"; echo "apply = web ports=8080 protocols=tcp family=ipv4"; } >"$TEST_TMP/want"
assert_same "$TEST_TMP/want" "$conf" "enable appends the profile's line, the rest kept byte for byte"
[ "$(stat -c %a "$conf")" = 600 ] || fail "enable changed the mode to $(stat -c %a "$conf")"
[ "$(find "$TEST_TMP/etc" -maxdepth 1 -name '.rawtune.conf.*' | wc -l)" -eq 0 ] ||
	fail "a temporary file stayed behind"
pass "enable keeps the mode and leaves no temporary file"
save_all >"$TEST_TMP/now"
assert_same "$TEST_TMP/by-hand" "$TEST_TMP/now" "enable applies what apply with its options applies"
"$RAWTUNE" status --json | grep -q '"name":"web"' || fail "web not in status"

# apply --all reads the line back with its protocols and family.
"$RAWTUNE" remove --all >/dev/null
grep '^apply = web' "$conf" >"$TEST_TMP/web-only.conf"
RAWTUNE_CONFIG="$TEST_TMP/web-only.conf" "$RAWTUNE" apply --all >/dev/null || fail "apply --all failed"
save_all >"$TEST_TMP/now"
assert_same "$TEST_TMP/by-hand" "$TEST_TMP/now" "apply --all applies enable's line as enable did"

# apply --all prunes what rawtune.conf applied: enable applied with the boot origin.
"$RAWTUNE" remove web >/dev/null
"$RAWTUNE" enable web --port 8080 --proto tcp -4 -q || fail "enable web again failed"
sed -i '/^apply = web/d' "$conf"
"$RAWTUNE" apply --all >"$TEST_TMP/out" || fail "apply --all failed: $(cat "$TEST_TMP/out")"
grep -q "^web: .* removed: $conf no longer lists it" "$TEST_TMP/out" ||
	fail "enable's apply is not of the boot origin: $(cat "$TEST_TMP/out")"
pass "enable applies with the boot origin: apply --all prunes it once unlisted"
"$RAWTUNE" remove --all >/dev/null

# Again, then the same again: unchanged, the file not rewritten.
cp "$TEST_TMP/want" "$conf"
"$RAWTUNE" enable web -p 8080 -P tcp -4 >/dev/null || fail "enable web failed"
ino=$(stat -c %i "$conf")
out=$("$RAWTUNE" enable web -4 --proto tcp --port 8080 --json) || fail "enable --json failed"
[[ $out == '{"schema":3,"profile":"web","changed":false,"added":0,"removed":0,'* ]] ||
	fail "enable --json again said: $out"
[[ $out == *'"config_changed":false}' ]] || fail "enable --json again said: $out"
[ "$(stat -c %i "$conf")" = "$ino" ] || fail "an enable that changes nothing rewrote the file"
pass "enable again changes nothing and says so"

# --dry-run: whether rawtune.conf would change, nothing changed.
cp "$conf" "$TEST_TMP/before"
save_all >"$TEST_TMP/tables"
out=$("$RAWTUNE" enable web -p 8080 -P tcp -4 --dry-run --json) || fail "enable --dry-run failed"
[ "$out" = '{"schema":3,"profile":"web","dry_run":true,"config_changed":false}' ] ||
	fail "enable --dry-run --json said: $out"
out=$("$RAWTUNE" enable ntp --dry-run) || fail "enable ntp --dry-run failed"
[ "$out" = "ntp: would be enabled at boot ($conf)" ] || fail "enable ntp --dry-run said: $out"
out=$("$RAWTUNE" disable web -n --json) || fail "disable --dry-run failed"
[ "$out" = '{"schema":3,"profile":"web","dry_run":true,"config_changed":true}' ] ||
	fail "disable --dry-run --json said: $out"
cmp -s "$TEST_TMP/before" "$conf" || fail "--dry-run changed rawtune.conf"
save_all >"$TEST_TMP/now"
assert_same "$TEST_TMP/tables" "$TEST_TMP/now" "--dry-run says what would change and changes nothing"

# Other options: the line replaced where it stands, not moved.
"$RAWTUNE" enable dns --proto udp >/dev/null || fail "enable dns --proto udp failed"
grep -n '^apply' "$conf" | tr '\n' ' ' |
	grep -qx '4:apply = dns protocols=udp 6:apply = web ports=8080 protocols=tcp family=ipv4 ' ||
	fail "enable dns did not replace its line in place: $(cat "$conf")"
"$RAWTUNE" status --json | grep -q '"name":"dns"' || fail "dns not applied"
pass "enable replaces the profile's line in place"
[ "$(stat -c %i "$conf")" != "$ino" ] || fail "the file was edited in place, not replaced"
pass "the edited file replaces the old one whole"

# Bad input: one line on stderr, exit 2, neither file nor tables changed.
cp "$conf" "$TEST_TMP/before"
save_all >"$TEST_TMP/tables"
check_refused() {
	local want=$1
	shift
	"$RAWTUNE" "$@" >"$TEST_TMP/out" 2>"$TEST_TMP/err" && fail "$* succeeded"
	[ $? -eq "$want" ] || fail "$*: exit status not $want"
	[ "$(wc -l <"$TEST_TMP/err")" -le 2 ] || fail "$* said: $(cat "$TEST_TMP/err")"
	head -1 "$TEST_TMP/err" | grep -q '^rawtune: ' || fail "$* said: $(cat "$TEST_TMP/err")"
	[ -s "$TEST_TMP/out" ] && fail "$* wrote to stdout: $(cat "$TEST_TMP/out")"
	cmp -s "$TEST_TMP/before" "$conf" || fail "$* changed rawtune.conf"
	save_all >"$TEST_TMP/now"
	cmp -s "$TEST_TMP/tables" "$TEST_TMP/now" || fail "$* changed the tables"
}
check_refused 2 enable nosuch
check_refused 2 enable web --port 0
check_refused 2 enable web --proto sctp
check_refused 2 enable web -4 -6
check_refused 2 enable
check_refused 2 enable web dns
check_refused 2 disable
check_refused 2 disable 'bad/name'
check_refused 2 disable web --port 80
pass "bad input: one error line, exit 2, nothing changed"

# A broken rawtune.conf: enable and disable refuse, naming the line.
printf 'apply = web\nbogus\n' >"$conf"
cp "$conf" "$TEST_TMP/before"
check_refused 2 enable ntp
grep -q "^rawtune: $conf:2: expected 'apply = PROFILE', got 'bogus'" "$TEST_TMP/err" ||
	fail "enable with a broken rawtune.conf said: $(cat "$TEST_TMP/err")"
check_refused 2 disable web
pass "a broken rawtune.conf is named and left alone"

# The NAT guard refuses the profile: not applied, not enabled.
cp "$TEST_TMP/want" "$conf"
cp "$conf" "$TEST_TMP/before"
iptables-legacy -t nat -A PREROUTING -p udp --dport 123 -j DNAT --to-destination 192.0.2.1
save_all >"$TEST_TMP/tables"
check_refused 1 enable ntp
"$RAWTUNE" enable ntp --force -q || fail "enable ntp --force failed"
grep -qx 'apply = ntp' "$conf" || fail "enable --force did not list ntp"
iptables-legacy -t nat -F PREROUTING
pass "a profile the NAT guard refuses is neither applied nor enabled"

# disable: the line goes, the rules go, the rest stays.
"$RAWTUNE" disable web >"$TEST_TMP/out" || fail "disable web failed"
grep -q '^web: [0-9]* rules removed$' "$TEST_TMP/out" || fail "disable said: $(cat "$TEST_TMP/out")"
grep -qx "web: disabled at boot ($conf)" "$TEST_TMP/out" || fail "disable said: $(cat "$TEST_TMP/out")"
{ cat "$TEST_TMP/orig"; echo "apply = ntp"; } >"$TEST_TMP/want"
assert_same "$TEST_TMP/want" "$conf" "disable takes the line out, the rest kept byte for byte"
"$RAWTUNE" status web >/dev/null 2>&1
[ $? -eq 4 ] || fail "web still applied after disable"
out=$("$RAWTUNE" disable web --json) || fail "disable web again failed"
[ "$out" = '{"schema":3,"profile":"web","changed":false,"removed":0,"config_changed":false}' ] ||
	fail "disable --json again said: $out"
pass "disable again changes nothing and says so"

# enable creates a missing rawtune.conf, as installed: 0644.
rm "$conf"
"$RAWTUNE" enable site -q || fail "enable site without rawtune.conf failed"
[ "$(cat "$conf")" = "apply = site" ] || fail "new rawtune.conf: $(cat "$conf")"
[ "$(stat -c %a "$conf")" = 644 ] || fail "new rawtune.conf has mode $(stat -c %a "$conf")"
pass "enable creates a missing rawtune.conf with mode 0644"

"$RAWTUNE" remove --all >/dev/null
save_all >"$TEST_TMP/after"
assert_same "$TEST_TMP/empty" "$TEST_TMP/after" "remove --all leaves the tables as they were"
