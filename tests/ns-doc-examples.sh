#!/bin/bash
# The examples of rawtune(8) run as written, on the firewall they describe:
# each command's output must be the man page's line, word for word, so the
# rule counts documented cannot drift from what the tool does.
. "${TESTS_SRCDIR:?make check sets TESTS_SRCDIR}/lib.sh"
need_root_and unshare iptables-legacy-restore ip6tables-legacy-restore
enter_netns "$@"
MAN="$TESTS_SRCDIR/../man/rawtune.8"
[ -f "$MAN" ] || skip "needs man/rawtune.8"

# The firewall of EXAMPLES: drop by default; lo, RELATED,ESTABLISHED and
# --ctstate NEW on tcp 22, 80, 443 and udp 53; the same in both families.
for restore in iptables-legacy-restore ip6tables-legacy-restore; do
	$restore <<'RULES' || fail "$restore"
*filter
:INPUT DROP [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -i lo -j ACCEPT
-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A INPUT -p tcp -m conntrack --ctstate NEW -m multiport --dports 22,80,443 -j ACCEPT
-A INPUT -p udp -m conntrack --ctstate NEW -m udp --dport 53 -j ACCEPT
COMMIT
RULES
done

# The man page's text as a reader sees it: groff's escapes undone, lines joined at "\e".
sed -e 's/\\-/-/g' -e 's/\\(aq/'"'"'/g' -e 's/\\%//g' -e 's/\\&//g' "$MAN" |
	sed -e ':a' -e '/\\e$/{N;s/ *\\e\n */ /;ba' -e '}' >"$TEST_TMP/man"

# example "COMMAND" : the output of rawtune COMMAND, one line, is in the man page.
example() {
	local out

	# shellcheck disable=SC2086 # the command's words
	out=$("$RAWTUNE" $1 2>&1)
	grep -qxF -- "$out" "$TEST_TMP/man" || fail "rawtune $1 said '$out', which rawtune(8) does not show"
	grep -qxF -- "# rawtune $1" "$TEST_TMP/man" || fail "rawtune(8) does not show '# rawtune $1'"
	pass "rawtune $1: $out"
}

example "apply web --port 80"
example "apply web"
example "apply dns --proto udp -4"
example "apply web --port 8080"
# "iptables-restore < /etc/iptables/rules.v4": the IPv4 filter table without the twins
iptables-legacy-save -t filter | grep -v '"rawtune:' | iptables-legacy-restore -T filter ||
	fail "cannot reload the filter table"
out=$("$RAWTUNE" repair)
while IFS= read -r line; do
	grep -qxF -- "$line" "$TEST_TMP/man" || fail "rawtune repair said '$line', which rawtune(8) does not show"
done <<<"$out"
pass "rawtune repair: as documented"
example "remove dns --wait 5"
example "remove --all"
