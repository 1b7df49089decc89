#!/bin/bash
# Profiles as a user meets them: the five built-ins applied and read back;
# files in the profile directory that override a built-in, untrack a
# client's traffic to its peers (a client profile without peers, or a UDP
# one, is refused), keep to one family or are broken; "rawtune show" writing
# a file that loads back as the same profile; the bash completion of
# commands, options and profile names.
. "${TESTS_SRCDIR:?make check sets TESTS_SRCDIR}/lib.sh"
need_root_and unshare iptables-legacy-save ip6tables-legacy-save
enter_netns "$@"

export RAWTUNE_PROFILE_DIR="$TEST_TMP/profiles.d"
mkdir "$RAWTUNE_PROFILE_DIR"
PD=$RAWTUNE_PROFILE_DIR

# profile NAME LINE...: the file NAME.conf with these lines
profile() {
	local name=$1
	shift
	printf '%s\n' "$@" >"$PD/$name.conf"
}

# rules SAVE PROFILE: the profile's rules as SAVE prints them, without the
# comment that names the profile (to compare two profiles' rules).
rules() {
	"$1" | grep -F -- "--comment \"rawtune:$2\"" | sed "s/ -m comment --comment \"rawtune:$2\"//"
}

# ---- family = ipv4 leaves IPv6 alone, down to its tables ---------------------
# First, while no table exists: the kernel creates a table on first use.
cp /proc/net/ip6_tables_names "$TEST_TMP/names6.before"
save6 >"$TEST_TMP/save6.before"
profile v4only 'ports = 8080' 'family = ipv4'
out=$("$RAWTUNE" apply v4only) || fail "apply v4only failed"
[ "$out" = "v4only: 4 rules added, ipv4" ] || fail "apply v4only said: $out"
iptables-legacy-save | grep -q -- '-A RAWTUNE-PREROUTING -p tcp -m tcp --dport 8080 -m addrtype --dst-type LOCAL ' ||
	fail "family = ipv4: no IPv4 rule"
cmp -s /proc/net/ip6_tables_names "$TEST_TMP/names6.before" ||
	fail "family = ipv4 created IPv6 tables: $(cat /proc/net/ip6_tables_names)"
save6 >"$TEST_TMP/save6.after"
assert_same "$TEST_TMP/save6.before" "$TEST_TMP/save6.after" "family = ipv4 touches no IPv6 table"
"$RAWTUNE" remove v4only >/dev/null || fail "remove v4only failed"
rm "$PD/v4only.conf"

# Addresses of one family: rules in that family only, and apply says so.
profile addr4 'ports = 8080' 'addresses = 192.0.2.1'
out=$("$RAWTUNE" apply addr4) || fail "apply addr4 failed"
[ "$out" = "addr4: 4 rules added, ipv4" ] || fail "apply addr4 said: $out"
# -6 leaves it no rules: refused, the IPv4 rules stay (it used to remove them)
st=0
out=$("$RAWTUNE" apply addr4 -6 2>&1) || st=$?
[ "$st" = 2 ] || fail "apply addr4 -6: exit $st, want 2: $out"
[[ $out == "rawtune: addr4: -6: its addresses are all of the other family"* ]] ||
	fail "apply addr4 -6 said: $out"
[ "$(save_all | grep -c 'rawtune:addr4')" = 4 ] || fail "apply addr4 -6 changed the rules"
"$RAWTUNE" remove addr4 >/dev/null || fail "remove addr4 failed"
rm "$PD/addr4.conf"
pass "addresses of IPv4 only: IPv4 rules only, and apply names the family"

# ---- the built-ins -------------------------------------------------------------
# builtin NAME MATCH PROTOCOL...: apply NAME; each protocol has its inbound
# NOTRACK rule with the port match MATCH (PROTO stands for the protocol) in
# both families and no other protocol has a rule; status counts 3 raw rules
# per protocol and family (inbound notrack, reply notrack, loopback), one
# more for TCP (counting new flows), and nothing in filter (no firewall).
builtin() {
	local name=$1 match=$2 proto save n rule
	shift 2
	"$RAWTUNE" apply "$name" >/dev/null || fail "apply $name failed"
	for save in iptables-legacy-save ip6tables-legacy-save; do
		"$save" >"$TEST_TMP/save"
		for proto in tcp udp; do
			rule="-A RAWTUNE-PREROUTING -p $proto ${match//PROTO/$proto} -m addrtype --dst-type LOCAL"
			rule+=" -m comment --comment \"rawtune:$name\" -j CT --notrack"
			if [[ " $* " == *" $proto "* ]]; then
				grep -qxF -- "$rule" "$TEST_TMP/save" || fail "$name: no rule '$rule' in $save"
			elif grep -F -- "\"rawtune:$name\"" "$TEST_TMP/save" | grep -q -- "-p $proto "; then
				fail "$name: a $proto rule in $save"
			fi
		done
	done
	# 3 rules a protocol, 1 more for TCP (counting new flows); both families
	n=$((2 * 3 * $#))
	[[ " $* " == *" tcp "* ]] && n=$((n + 2))
	"$RAWTUNE" status >"$TEST_TMP/status" || fail "status failed"
	grep -qx "$name: applied, ipv4+ipv6, $n rules" "$TEST_TMP/status" ||
		fail "$name: status says: $(head -1 "$TEST_TMP/status")"
	grep -q '^  ipv[46] filter' "$TEST_TMP/status" && fail "$name: rules in filter: $(cat "$TEST_TMP/status")"
	"$RAWTUNE" remove "$name" >/dev/null || fail "remove $name failed"
	pass "built-in $name: $* ${match##* }, $n rules"
}
builtin web "-m multiport --dports 80,443" tcp
builtin dns "-m PROTO --dport 53" tcp udp
builtin memcached "-m PROTO --dport 11211" tcp udp
builtin ntp "-m PROTO --dport 123" udp
builtin syslog "-m PROTO --dport 514" udp

# ---- a file overrides the built-in of its name ----------------------------------
profile web 'description = our web server' 'ports = 8080'
"$RAWTUNE" apply web >/dev/null || fail "apply web (file) failed"
iptables-legacy-save | grep -F '"rawtune:web"' >"$TEST_TMP/web"
grep -q -- '--dport 8080 ' "$TEST_TMP/web" || fail "web.conf: no rule for 8080"
grep -E -- '--d?ports? (80|443|80,443) ' "$TEST_TMP/web" &&
	fail "web.conf: rules for the built-in ports"
"$RAWTUNE" show web | head -1 | grep -qxF "# web: from $PD/web.conf" ||
	fail "show web: $("$RAWTUNE" show web | head -1)"
"$RAWTUNE" remove web >/dev/null || fail "remove web failed"
rm "$PD/web.conf"
pass "profiles.d/web.conf overrides the built-in web: only port 8080"

# ---- client direction: outbound connections to the port, on its peers ------------
# expect_refused PROFILE ARGS...: exit 1, one line, nothing changed
expect_refused() {
	local what=$1 st=0
	shift
	save_all >"$TEST_TMP/before"
	"$RAWTUNE" apply "$@" >"$TEST_TMP/out" 2>"$TEST_TMP/err" || st=$?
	[ "$st" -eq 1 ] || fail "$what: apply $* exit $st, want 1"
	[ "$(wc -l <"$TEST_TMP/err")" -eq 1 ] || fail "$what: want one line: $(cat "$TEST_TMP/err")"
	save_all >"$TEST_TMP/now"
	cmp -s "$TEST_TMP/before" "$TEST_TMP/now" || fail "$what: a refused apply changed the rules"
}
profile pgclient 'ports = 5432' 'direction = client'
expect_refused "client without peers" pgclient
grep -q "needs 'peers ='" "$TEST_TMP/err" || fail "client without peers: $(cat "$TEST_TMP/err")"
profile pgclient 'ports = 5432' 'direction = client' 'peers = 192.0.2.0/24, 2001:db8::/32'
"$RAWTUNE" apply pgclient >/dev/null || fail "apply pgclient failed"
iptables-legacy-save -t raw >"$TEST_TMP/raw"
read -r lo hi </proc/sys/net/ipv4/ip_local_port_range
grep -qxF -- '-A RAWTUNE-OUTPUT -d 192.0.2.0/24 -p tcp -m tcp --dport 5432 -m comment --comment "rawtune:pgclient" -j CT --notrack' \
	"$TEST_TMP/raw" || fail "client: raw OUTPUT does not match the peers' --dport: $(grep pgclient "$TEST_TMP/raw")"
grep -qxF -- "-A RAWTUNE-PREROUTING -s 192.0.2.0/24 -p tcp -m tcp --sport 5432 --dport $lo:$hi ! --tcp-flags FIN,SYN,RST,ACK SYN -m addrtype --dst-type LOCAL -m comment --comment \"rawtune:pgclient\" -j CT --notrack" \
	"$TEST_TMP/raw" || fail "client: raw PREROUTING does not match the peers' replies: $(grep pgclient "$TEST_TMP/raw")"
ip6tables-legacy-save -t raw | grep -q -- '-s 2001:db8::/32 .*--sport 5432 .*rawtune:pgclient' ||
	fail "client: no IPv6 rule for the IPv6 peers"
"$RAWTUNE" remove pgclient >/dev/null || fail "remove pgclient failed"
# UDP: a reply cannot be told from a spoofed packet without conntrack.
profile pgclient 'ports = 5432' 'direction = client' 'peers = 192.0.2.0/24' 'protocols = udp'
expect_refused "UDP client" pgclient
grep -q "a UDP client profile cannot be untracked safely" "$TEST_TMP/err" || fail "UDP client: $(cat "$TEST_TMP/err")"
"$RAWTUNE" apply pgclient --force >/dev/null 2>&1 || fail "UDP client: --force did not apply"
"$RAWTUNE" remove pgclient >/dev/null || fail "remove pgclient failed"
rm "$PD/pgclient.conf"
pass "direction = client: OUTPUT --dport to the peers, PREROUTING their replies; refused without peers, and for UDP"

# ---- broken files: one line naming the file and line, exit 2, nothing changed -------
"$RAWTUNE" apply web --port 80 >/dev/null || fail "apply web failed"
save_all >"$TEST_TMP/before"
# broken WANT LINE...: "apply broken" and "show broken" say "rawtune:
# FILE:WANT" and nothing else; "profiles" lists the others and names the
# file in a warning, as systemctl lists units around a broken one.
broken() {
	local want=$1 cmd status
	shift
	profile broken "$@"
	for cmd in "apply broken" "show broken"; do
		# shellcheck disable=SC2086 # $cmd is the command and its operand
		"$RAWTUNE" $cmd >"$TEST_TMP/out" 2>"$TEST_TMP/err"
		status=$?
		[ $status -eq 2 ] || fail "$cmd with '$*': exit $status, want 2"
		[ -s "$TEST_TMP/out" ] && fail "$cmd with '$*': printed $(cat "$TEST_TMP/out")"
		[ "$(cat "$TEST_TMP/err")" = "rawtune: $PD/broken.conf:$want" ] ||
			fail "$cmd with '$*': $(cat "$TEST_TMP/err")"
	done
	"$RAWTUNE" profiles >"$TEST_TMP/out" 2>"$TEST_TMP/err" ||
		fail "profiles with '$*' failed: $(cat "$TEST_TMP/err")"
	[ "$(cat "$TEST_TMP/err")" = "rawtune: warning: profile file skipped: $PD/broken.conf:$want" ] ||
		fail "profiles with '$*': $(cat "$TEST_TMP/err")"
	[ "$(awk 'NR > 1 { printf "%s ", $1 }' "$TEST_TMP/out")" = "dns memcached ntp syslog web " ] ||
		fail "profiles with '$*' listed: $(cat "$TEST_TMP/out")"
	save_all >"$TEST_TMP/now"
	cmp -s "$TEST_TMP/before" "$TEST_TMP/now" || fail "a broken file changed the rules"
}
broken "2: unknown key 'colour' (see rawtune.conf(5))" 'ports = 80' 'colour = red'
broken "3: duplicate key 'ports' (first on line 1)" 'ports = 80' 'protocols = tcp' 'ports = 81'
broken "2: bad port '65536' in '80,65536': ports are 1-65535, ranges LOW-HIGH" \
	'# a comment' 'ports = 80,65536'
# A broken file that overrides a built-in hides it: apply would fail on the file.
profile ntp 'ports = 123' 'protocols = icmp'
"$RAWTUNE" profiles >"$TEST_TMP/out" 2>"$TEST_TMP/err" || fail "profiles with a broken ntp.conf failed"
grep -q '^ntp ' "$TEST_TMP/out" && fail "profiles lists the built-in ntp behind a broken ntp.conf"
grep -qF "rawtune: warning: profile file skipped: $PD/ntp.conf:2: " "$TEST_TMP/err" ||
	fail "profiles with a broken ntp.conf: $(cat "$TEST_TMP/err")"
rm "$PD/broken.conf" "$PD/ntp.conf"
"$RAWTUNE" remove web >/dev/null || fail "remove web failed"
pass "broken files: one line naming file and line, exit 2, no rule changed; profiles lists the rest"

# ---- profiles shows what is applied, as applied ------------------------------------
"$RAWTUNE" apply web --port 8080 -4 >/dev/null || fail "apply web --port 8080 -4 failed"
profile app 'ports = 9000-9002, 9100' 'protocols = udp, tcp'
"$RAWTUNE" apply app >/dev/null || fail "apply app failed"
rm "$PD/app.conf"
"$RAWTUNE" profiles >"$TEST_TMP/out" 2>"$TEST_TMP/err" || fail "profiles failed: $(cat "$TEST_TMP/err")"
grep -qxE 'web +yes +8080 +tcp +server +ipv4 +built-in' "$TEST_TMP/out" ||
	fail "profiles: web as applied: $(grep '^web' "$TEST_TMP/out")"
grep -qxE 'app +yes +9000-9002,9100 +tcp,udp +server +both +gone' "$TEST_TMP/out" ||
	fail "profiles: app, applied from a file since deleted: $(grep '^app' "$TEST_TMP/out")"
grep -qxE 'dns +no +53 +tcp,udp +server +both +built-in' "$TEST_TMP/out" ||
	fail "profiles: dns as defined: $(grep '^dns' "$TEST_TMP/out")"
"$RAWTUNE" profiles --json | python3 -c 'import json, sys
d = {p["name"]: p for p in json.load(sys.stdin)["profiles"]}
assert d["web"]["ports"] == "80,443" and d["web"]["family"] == "both", d["web"]
assert d["web"]["applied_as"] == dict(ports="8080", protocols=["tcp"], direction="server",
    family="ipv4", forward=False), d["web"]
assert d["app"]["source"] is None and d["app"]["applied"] is True, d["app"]
assert d["app"]["applied_as"]["ports"] == "9000-9002,9100", d["app"]
assert d["dns"]["applied_as"] is None, d["dns"]' || fail "profiles --json: applied_as"
"$RAWTUNE" remove --all >/dev/null || fail "remove --all failed"
pass "profiles: applied profiles as applied, one whose file is gone too"

# ---- show writes a file that loads back as the same profile --------------------------
"$RAWTUNE" show web >"$PD/web2.conf" || fail "show web failed"
printf '%s\n' '# web: from built-in' 'description = Web server: HTTP and HTTPS' \
	'ports = 80, 443' 'protocols = tcp' 'direction = server' 'family = both' >"$TEST_TMP/want"
assert_same "$TEST_TMP/want" "$PD/web2.conf" "show web prints the built-in web as a file"
"$RAWTUNE" apply web >/dev/null || fail "apply web failed"
"$RAWTUNE" apply web2 >/dev/null || fail "apply web2 (written by show) failed"
for save in iptables-legacy-save ip6tables-legacy-save; do
	rules $save web >"$TEST_TMP/web"
	rules $save web2 >"$TEST_TMP/web2"
	[ -s "$TEST_TMP/web" ] || fail "no rules of web in $save"
	assert_same "$TEST_TMP/web" "$TEST_TMP/web2" "$save: web2, written by show web, has web's rules"
done
"$RAWTUNE" remove --all >/dev/null || fail "remove --all failed"

# The README's recipe: the shell empties web.conf before show reads it. The
# empty file hides nothing: show says so in one line and prints the built-in.
for before in none empty; do
	[ $before = empty ] && : >"$PD/web.conf"
	"$RAWTUNE" show web >"$PD/web.conf" 2>"$TEST_TMP/err" ||
		fail "show web > web.conf ($before before): $(cat "$TEST_TMP/err")"
	[ "$(cat "$TEST_TMP/err")" = "rawtune: note: $PD/web.conf is empty, using the built-in web" ] ||
		fail "show web > web.conf ($before before) said: $(cat "$TEST_TMP/err")"
	tail -n +2 "$PD/web.conf" >"$TEST_TMP/recipe"
	tail -n +2 "$PD/web2.conf" >"$TEST_TMP/want"
	assert_same "$TEST_TMP/want" "$TEST_TMP/recipe" "show web > web.conf ($before before) writes the whole profile"
	"$RAWTUNE" profiles | grep -q "^web .* $PD/web.conf\$" || fail "profiles does not list web.conf"
	"$RAWTUNE" show web | head -1 | grep -qxF "# web: from $PD/web.conf" || fail "show web after the recipe"
	"$RAWTUNE" apply web >/dev/null || fail "apply web after the recipe failed"
	"$RAWTUNE" remove web >/dev/null || fail "remove web failed"
	rm "$PD/web.conf"
done
# An empty file without a built-in of its name is no profile.
: >"$PD/blank.conf"
"$RAWTUNE" show blank >/dev/null 2>"$TEST_TMP/err" && fail "show blank (an empty file) succeeded"
[ "$(tail -1 "$TEST_TMP/err")" = "rawtune: unknown profile 'blank' (no built-in profile, and $PD/blank.conf is empty): 'rawtune profiles' lists them" ] ||
	fail "show blank said: $(cat "$TEST_TMP/err")"
"$RAWTUNE" profiles >"$TEST_TMP/out" 2>"$TEST_TMP/err" || fail "profiles with an empty file failed"
[ "$(cat "$TEST_TMP/err")" = "rawtune: note: $PD/blank.conf is empty, ignored" ] ||
	fail "profiles with blank.conf said: $(cat "$TEST_TMP/err")"
grep -q '^blank ' "$TEST_TMP/out" && fail "profiles lists the empty blank.conf"
rm "$PD/blank.conf"

# Every key; lists in a person's spacing, addresses as the library normalises them.
profile rich 'description = every key, "quoted" \ and all' 'ports = 9000, 8000-8100' \
	'protocols = udp, tcp' 'direction = client' 'family = ipv6' \
	'addresses = fd00::1, fd00:1::/64' 'interfaces = eth0, lo' 'forward = yes' \
	'peers = fd00:2::/64, fd00:3::7' 'owner = www-data'
"$RAWTUNE" show rich >"$TEST_TMP/rich.show" || fail "show rich failed"
printf '%s\n' "# rich: from $PD/rich.conf" 'description = every key, "quoted" \ and all' \
	'ports = 8000-8100, 9000' 'protocols = tcp, udp' 'direction = client' 'family = ipv6' \
	'addresses = fd00::1/128, fd00:1::/64' 'interfaces = eth0, lo' 'forward = yes' \
	'peers = fd00:2::/64, fd00:3::7/128' 'owner = www-data' >"$TEST_TMP/want"
assert_same "$TEST_TMP/want" "$TEST_TMP/rich.show" "show rich prints every key"
cp "$TEST_TMP/rich.show" "$PD/rich2.conf"
"$RAWTUNE" show rich2 | tail -n +2 >"$TEST_TMP/rich2.show"
tail -n +2 "$TEST_TMP/rich.show" >"$TEST_TMP/rich1.show"
assert_same "$TEST_TMP/rich1.show" "$TEST_TMP/rich2.show" "show's file shows as the same profile"
# A profile with interfaces keeps its conntrack entries, and says so on
# stderr. UDP forwarded: refused without --force.
"$RAWTUNE" apply rich >/dev/null 2>&1 && fail "apply rich (UDP, forward) was not refused"
"$RAWTUNE" apply rich --force >/dev/null 2>&1 || fail "apply rich --force failed"
"$RAWTUNE" apply rich2 --force >/dev/null 2>&1 || fail "apply rich2 --force failed"
rules ip6tables-legacy-save rich >"$TEST_TMP/rich"
rules ip6tables-legacy-save rich2 >"$TEST_TMP/rich2"
# forward: per peer, requests on eth0 (lo is no peer's side), count (tcp) and
# notrack (tcp, udp); replies once whatever the interfaces: 2 x (1 + 2 + 2)
[ "$(wc -l <"$TEST_TMP/rich")" -eq 10 ] || fail "rich: not 10 rules: $(cat "$TEST_TMP/rich")"
assert_same "$TEST_TMP/rich" "$TEST_TMP/rich2" "rich2, written by show rich, has rich's rules"
"$RAWTUNE" remove --all >/dev/null || fail "remove --all failed"
rm "$PD/rich.conf" "$PD/rich2.conf" "$PD/web2.conf"

# ---- bash completion ------------------------------------------------------------
# the completion as make builds it, with this build's profile directory
COMPLETION="$(dirname "$RAWTUNE")/../completion/rawtune"
bash -n "$COMPLETION" || fail "completion/rawtune: syntax error"
# complete WORD...: what <Tab> offers after these words (the last one is at the cursor)
complete_words() {
	# shellcheck disable=SC2016 # expanded by the inner bash
	bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _rawtune; echo "${COMPREPLY[*]}"' \
		complete "$COMPLETION" "$@"
}
# expect_completion WANT WORD...
expect_completion() {
	local want=$1 got
	shift
	got=$(complete_words "$@")
	[ "$got" = "$want" ] || fail "'$*<Tab>' offers '$got', want '$want'"
}
profile mine 'ports = 1234'
expect_completion apply rawtune ap
expect_completion web rawtune apply w
expect_completion "memcached mine" rawtune show m
expect_completion --proto rawtune apply web --pro
expect_completion "tcp udp tcp,udp" rawtune apply web --proto ''
expect_completion "" rawtune apply web ''
expect_completion "" rawtune remove --all ''
expect_completion "status show stats" rawtune help s
expect_completion "legacy nft auto" rawtune --backend ''
expect_completion "--backend" rawtune --b
expect_completion "web" rawtune --backend nft apply w
# remove offers what is applied, as "$RAWTUNE status" says, and only that
expect_completion "" "$RAWTUNE" remove ''
"$RAWTUNE" apply -q mine || fail "apply mine failed"
"$RAWTUNE" apply -q dns || fail "apply dns failed"
expect_completion "dns mine" "$RAWTUNE" remove ''
expect_completion "mine" "$RAWTUNE" remove m
"$RAWTUNE" remove -q --all || fail "remove --all failed"
rm "$PD/mine.conf"
# Without RAWTUNE_PROFILE_DIR, the directory of this build's sysconfdir.
sysconfdir=$(sed -n 's/^sysconfdir = //p' "$(dirname "$RAWTUNE")/../Makefile")
sysconfdir=${sysconfdir//\$\{prefix\}/$(sed -n 's/^prefix = //p' "$(dirname "$RAWTUNE")/../Makefile")}
grep -qF "\${RAWTUNE_PROFILE_DIR:-$sysconfdir/rawtune/profiles.d}" "$COMPLETION" ||
	fail "the completion does not read $sysconfdir/rawtune/profiles.d: $(grep -F profiles.d "$COMPLETION")"
# The completion's own list of built-ins is the library's.
# shellcheck disable=SC2016 # expanded by the inner bash
builtins=$(bash -c '. "$1"; echo "$_rawtune_builtin_profiles"' complete "$COMPLETION")
listed=$("$RAWTUNE" profiles | awk 'NR > 1 && $NF == "built-in" { printf "%s%s", sep, $1; sep = " " }')
[ "$builtins" = "$listed" ] || fail "completion knows built-ins '$builtins', rawtune lists '$listed'"
# Every command that --help lists is offered, and every option of its --help.
for cmd in $("$RAWTUNE" --help | awk '/^Commands:/ { on = 1; next } /^$/ { on = 0 } on { print $1 }'); do
	complete_words rawtune "${cmd:0:2}" | grep -qw -- "$cmd" || fail "'rawtune ${cmd:0:2}<Tab>' misses $cmd"
	for opt in $("$RAWTUNE" "$cmd" --help | grep -oE -- '--[a-z0-9-]+' | sort -u); do
		complete_words rawtune "$cmd" -- | grep -qw -- "$opt" ||
			fail "'rawtune $cmd --<Tab>' misses $opt"
	done
done
pass "bash completion: commands, options and profile names"
