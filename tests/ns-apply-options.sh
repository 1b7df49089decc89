#!/bin/bash
# apply's options and what apply says, as a user meets them: --dry-run is
# what iptables-legacy-restore accepts and what apply then commits (raw
# rules, and over a stateful firewall the twins too), and changes nothing;
# --proto; no accept of rawtune's own in filter (not even for PMTU: rawtune
# opens nothing); the old conntrack entries deleted and counted; the note
# for hosts whose iptables is the nf_tables variant; remove --all.
. "${TESTS_SRCDIR:?make check sets TESTS_SRCDIR}/lib.sh"
need_root_and unshare setpriv flock iptables-legacy iptables-legacy-save ip6tables-legacy-save \
	iptables-legacy-restore ip6tables-legacy-restore
enter_netns "$@"

# ---- --dry-run changes nothing, takes no lock, needs no privilege -------------------
# First, while no table exists: the kernel creates a table on first use.
names() { cat /proc/net/ip_tables_names /proc/net/ip6_tables_names; }
names >"$TEST_TMP/names.before"
save_all >"$TEST_TMP/save.before"
hold_lock 10
locker=$LOCK_HOLDER
"$RAWTUNE" apply web --dry-run --wait 0 >"$TEST_TMP/dry" 2>"$TEST_TMP/err" ||
	fail "apply --dry-run with the lock held: $(cat "$TEST_TMP/err")"
kill $locker
wait $locker 2>/dev/null
[ -s "$TEST_TMP/err" ] && fail "apply --dry-run wrote on stderr: $(cat "$TEST_TMP/err")"
names >"$TEST_TMP/names.after"
assert_same "$TEST_TMP/names.before" "$TEST_TMP/names.after" "--dry-run creates no table"
save_all >"$TEST_TMP/save.after"
assert_same "$TEST_TMP/save.before" "$TEST_TMP/save.after" "--dry-run changes no rule"

chmod 0755 "$TEST_TMP"
setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
	"$RAWTUNE" apply web --dry-run >"$TEST_TMP/dry.nobody" 2>&1 ||
	fail "apply --dry-run without privileges: $(cat "$TEST_TMP/dry.nobody")"
assert_same "$TEST_TMP/dry" "$TEST_TMP/dry.nobody" "--dry-run needs no privilege"

# The families' blocks, each headed by a comment line.
[ "$(grep '^# ' "$TEST_TMP/dry")" = "$(printf '# ipv4\n# ipv6')" ] ||
	fail "--dry-run: want '# ipv4' and '# ipv6' blocks, got: $(grep '^# ' "$TEST_TMP/dry")"
awk -v dir="$TEST_TMP" '/^# ipv4$/ { f = dir "/dry.ipv4" } /^# ipv6$/ { f = dir "/dry.ipv6" } { print > f }' \
	"$TEST_TMP/dry"
iptables-legacy-restore --test --noflush <"$TEST_TMP/dry.ipv4" ||
	fail "iptables-legacy-restore --test refuses the ipv4 block: $(cat "$TEST_TMP/dry.ipv4")"
ip6tables-legacy-restore --test --noflush <"$TEST_TMP/dry.ipv6" ||
	fail "ip6tables-legacy-restore --test refuses the ipv6 block: $(cat "$TEST_TMP/dry.ipv6")"
pass "--dry-run: iptables-legacy-restore --test --noflush accepts both blocks"
[ "$("$RAWTUNE" apply web --dry-run -4 | grep '^# ')" = "# ipv4" ] || fail "--dry-run -4 is not IPv4 only"
[ "$("$RAWTUNE" apply web --dry-run -6 | grep '^# ')" = "# ipv6" ] || fail "--dry-run -6 is not IPv6 only"
pass "--dry-run -4 and -6: one family"

# Repeated list options add up: the last one alone would drop the others.
"$RAWTUNE" apply web --dry-run --port 8080,8443 --proto tcp,udp >"$TEST_TMP/joined" ||
	fail "apply --dry-run --port 8080,8443 failed"
"$RAWTUNE" apply web --dry-run -p 8080 --port 8443 -P tcp --proto udp >"$TEST_TMP/repeated" ||
	fail "apply --dry-run with repeated --port and --proto failed"
assert_same "$TEST_TMP/joined" "$TEST_TMP/repeated" "--port and --proto given twice add up"

# What --dry-run printed is what apply commits (save lists tables and chains
# in its own order).
out=$("$RAWTUNE" apply web 2>"$TEST_TMP/err") || fail "apply web failed"
[ "$out" = "web: 8 rules added, ipv4+ipv6" ] || fail "apply web said: $out"
[ -s "$TEST_TMP/err" ] && fail "apply web without nf_tables tables wrote: $(cat "$TEST_TMP/err")"
for f in ipv4 ipv6; do
	save="iptables-legacy-save"
	[ $f = ipv6 ] && save="ip6tables-legacy-save"
	grep '^-A RAWTUNE-' "$TEST_TMP/dry.$f" | sort >"$TEST_TMP/dry.rules"
	$save | grep '^-A RAWTUNE-' | sort >"$TEST_TMP/save.rules"
	assert_same "$TEST_TMP/dry.rules" "$TEST_TMP/save.rules" "$f: apply commits the rules --dry-run showed"
done

# ---- no accepts of rawtune's own: not even PMTU's ICMP --------------------------------
# (ICMP errors are RELATED to a tracked flow only; the firewall's own rules
# decide them, as before apply.) Without a firewall, filter is untouched.
save_all | grep -q -- '-j RAWTUNE-INPUT\|-A RAWTUNE-INPUT\|icmp.*rawtune:web' &&
	fail "accepts of rawtune's own in filter: $(save_all | grep 'RAWTUNE-INPUT\|icmp')"
save_all | sed -n '/^\*filter/,/^COMMIT/p' | grep -q '^-A' && fail "apply wrote into filter: $(save_all)"
pass "no accept of rawtune's own in filter, no PMTU accept"

# ---- --proto replaces the profile's protocols --------------------------------------
out=$("$RAWTUNE" apply dns --proto udp) || fail "apply dns --proto udp failed"
[ "$out" = "dns: 6 rules added, ipv4+ipv6" ] || fail "apply dns --proto udp said: $out"
save_all | grep -F '"rawtune:dns"' | grep -q -- '-p tcp' && fail "--proto udp left tcp rules"
out=$("$RAWTUNE" apply web --proto tcp,udp) || fail "apply web --proto tcp,udp failed"
[ "$out" = "web: 6 rules added, ipv4+ipv6" ] || fail "apply web --proto tcp,udp said: $out"
iptables-legacy-save | grep -qF -- '-A RAWTUNE-PREROUTING -p udp -m multiport --dports 80,443 -m addrtype --dst-type LOCAL ' ||
	fail "--proto tcp,udp: no udp rule"
save_all >"$TEST_TMP/before"
for bad in icmp '' 'tcp,' ',udp' 'tcp;udp' 'tcp udp' TCP; do
	"$RAWTUNE" apply web --proto "$bad" >"$TEST_TMP/out" 2>"$TEST_TMP/err"
	status=$?
	[ $status -eq 2 ] || fail "--proto '$bad': exit $status, want 2"
	[ "$(head -1 "$TEST_TMP/err")" = "rawtune: bad --proto '$bad': tcp, udp or tcp,udp" ] ||
		fail "--proto '$bad': $(cat "$TEST_TMP/err")"
done
save_all >"$TEST_TMP/now"
assert_same "$TEST_TMP/before" "$TEST_TMP/now" "--proto: tcp, udp or tcp,udp; anything else is a usage error"

# ---- remove --all ----------------------------------------------------------------------
out=$("$RAWTUNE" remove --all) || fail "remove --all failed"
[ "$out" = "all profiles: 20 rules removed" ] || fail "remove --all said: $out"
save_all | grep RAWTUNE && fail "remove --all left rawtune's chains or rules"
out=$("$RAWTUNE" remove --all) || fail "remove --all again failed"
[ "$out" = "no profile applied, nothing removed" ] || fail "remove --all again said: $out"
"$RAWTUNE" remove web --all >"$TEST_TMP/out" 2>"$TEST_TMP/err"
[ $? -eq 2 ] || fail "remove web --all: want exit 2"
[ "$(head -1 "$TEST_TMP/err")" = "rawtune: a profile and --all exclude each other" ] ||
	fail "remove web --all: $(cat "$TEST_TMP/err")"
pass "remove --all after two profiles leaves no RAWTUNE chain"

# ---- the old conntrack entries of newly untracked flows are deleted -------------------
# Conntrack runs in a namespace only once a rule asks for it.
iptables-legacy -A INPUT -m conntrack --ctstate INVALID -j DROP
for i in 1 2 3; do
	echo "query $i" >/dev/udp/127.0.0.1/53
done
echo other >/dev/udp/127.0.0.1/54
[ "$(cat /proc/sys/net/netfilter/nf_conntrack_count)" -eq 4 ] ||
	fail "want 4 conntrack entries, have $(cat /proc/sys/net/netfilter/nf_conntrack_count)"
out=$("$RAWTUNE" apply dns) || fail "apply dns failed"
[ "$out" = "dns: 14 rules added, ipv4+ipv6; 3 conntrack entries deleted" ] || fail "apply dns said: $out"
[ "$(cat /proc/sys/net/netfilter/nf_conntrack_count)" -eq 1 ] || fail "the entry of port 54 went too"
out=$("$RAWTUNE" apply dns) || fail "apply dns again failed"
[ "$out" = "dns: already applied (ipv4+ipv6), nothing changed" ] || fail "apply dns again said: $out"
pass "apply deletes the profile's old conntrack entries and says how many"

# ---- --dry-run over a stateful firewall shows the twins apply then adds -------------
# (Checked at the end, after the nf_tables part.)
"$RAWTUNE" remove --all >/dev/null || fail "remove --all failed"
iptables-legacy -F INPUT
iptables-legacy -P INPUT DROP
iptables-legacy -A INPUT -i lo -j ACCEPT
iptables-legacy -A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
iptables-legacy -A INPUT -p tcp -m tcp --dport 8443 -m conntrack --ctstate NEW -j ACCEPT
"$RAWTUNE" apply web --port 8443 -4 --dry-run >"$TEST_TMP/dry" || fail "--dry-run over the firewall failed"
"$RAWTUNE" apply web --port 8443 -4 >/dev/null || fail "apply over the firewall failed"
# The twins' rule text, without "-A CHAIN" (--dry-run may insert them by position).
body() { sed -E -n 's/^-[AI] [^ ]+ ([0-9]+ )?(.*"rawtune:web".*--ctstate UNTRACKED.*)$/\2/p' | sort; }
iptables-legacy-save -t filter | body >"$TEST_TMP/twins.applied"
body <"$TEST_TMP/dry" >"$TEST_TMP/twins.dry"
dry_twins_ok=yes
[ -s "$TEST_TMP/twins.applied" ] || fail "apply over the firewall added no twins"
cmp -s "$TEST_TMP/twins.applied" "$TEST_TMP/twins.dry" || dry_twins_ok=no
iptables-legacy -P INPUT ACCEPT
"$RAWTUNE" remove --all >/dev/null || fail "remove --all failed"
iptables-legacy -F INPUT

check_dry_twins() {
	[ "$dry_twins_ok" = yes ] || {
		diff -u "$TEST_TMP/twins.applied" "$TEST_TMP/twins.dry"
		fail "--dry-run does not show the twins that apply adds (above: - applied, + --dry-run)"
	}
	pass "--dry-run shows the twins that apply adds"
}

# ---- the note for nf_tables hosts ---------------------------------------------------
iptables=$(command -v iptables)
if ! command -v nft >/dev/null || [[ -z $iptables || $(readlink -f "$iptables") != *nft* ]]; then
	echo "SKIP part: iptables is not the nf_tables variant here, no note to see"
	check_dry_twins
	exit 0
fi
nft add table inet rawtune_test || fail "nft add table failed"
"$RAWTUNE" apply web --port 8080 >"$TEST_TMP/out" 2>"$TEST_TMP/err" || fail "apply web failed"
[ "$(cat "$TEST_TMP/err")" = "rawtune: note: this host's iptables is the nf_tables variant; rawtune's rules are in the legacy tables: see them with 'iptables-legacy -t raw -L' or 'rawtune status'" ] ||
	fail "no nf_tables note, or another: $(cat "$TEST_TMP/err")"
pass "apply notes once that rawtune's rules are in the legacy tables"

# The line names the families that have rules: addresses of one family only
# leave the other without any.
export RAWTUNE_PROFILE_DIR="$TEST_TMP/profiles.d"
mkdir -p "$RAWTUNE_PROFILE_DIR"
printf '%s\n' 'ports = 8443' 'addresses = 10.9.0.1' >"$RAWTUNE_PROFILE_DIR/v4only.conf"
printf '%s\n' 'ports = 8443' 'addresses = fd00:9::1' 'family = ipv4' >"$RAWTUNE_PROFILE_DIR/none.conf"
out=$("$RAWTUNE" apply v4only 2>/dev/null) || fail "apply v4only failed"
[[ $out =~ ^v4only:\ [0-9]+\ rules\ added,\ ipv4$ ]] || fail "apply v4only said: $out"
save6 | grep -q 'rawtune:v4only' && fail "apply v4only made IPv6 rules"
# -6 on addresses of IPv4 only: refused, and the IPv4 rules stay.
save_all >"$TEST_TMP/v4only"
out=$("$RAWTUNE" apply v4only -6 2>&1) && fail "apply v4only -6 was taken: $out"
[[ $out == "rawtune: v4only: -6: its addresses are all of the other family"* ]] ||
	fail "apply v4only -6 said: $out"
save_all >"$TEST_TMP/v4only-after"
assert_same "$TEST_TMP/v4only" "$TEST_TMP/v4only-after" "apply v4only -6: refused, the IPv4 rules kept"
out=$("$RAWTUNE" apply none 2>/dev/null)
[ "$out" = "none: no rules in ipv4: its addresses are all of the other family" ] ||
	fail "apply none said: $out"
pass "the families named are those with rules: '$out'"
check_dry_twins
