#!/bin/bash
# The verdict rule's refusals, one firewall each: apply exits 1 with one
# line naming the chain, the rule and the port, and changes no rule; --force
# applies anyway and says so. And the shapes where untracking is safe apply.
. "${TESTS_SRCDIR:?make check sets TESTS_SRCDIR}/lib.sh"
need_root_and unshare iptables-legacy-restore iptables-legacy-save
enter_netns "$@"

# firewall LINES...: a filter table with these INPUT-side lines, policy DROP.
firewall() {
	printf '%s\n' '*filter' ':INPUT DROP [0:0]' ':FORWARD DROP [0:0]' ':OUTPUT ACCEPT [0:0]' \
		"$@" 'COMMIT' | iptables-legacy-restore || fail "ruleset: $*"
	iptables-legacy -t raw -S >/dev/null
}

# refused WHAT WANT-IN-MESSAGE LINES...
refused() {
	local what=$1 want=$2

	shift 2
	firewall "$@"
	save4 >"$TEST_TMP/before"
	"$RAWTUNE" apply web --port 80 -4 >"$TEST_TMP/out" 2>"$TEST_TMP/err" &&
		fail "$what: applied: $(cat "$TEST_TMP/out")"
	[ "$(wc -l <"$TEST_TMP/err")" = 1 ] || fail "$what: more than one line: $(cat "$TEST_TMP/err")"
	grep -q -- "$want" "$TEST_TMP/err" || fail "$what: $(cat "$TEST_TMP/err")"
	save4 >"$TEST_TMP/after"
	assert_same "$TEST_TMP/before" "$TEST_TMP/after" "$what: refused, nothing changed: $(cat "$TEST_TMP/err")"
}

# applies WHAT LINES...: apply succeeds, and remove puts the save back.
applies() {
	local what=$1

	shift
	firewall "$@"
	save4 >"$TEST_TMP/before"
	"$RAWTUNE" apply web --port 80 -4 >"$TEST_TMP/out" 2>&1 || fail "$what: $(cat "$TEST_TMP/out")"
	"$RAWTUNE" remove web >/dev/null || fail "$what: remove"
	save4 >"$TEST_TMP/after"
	assert_same "$TEST_TMP/before" "$TEST_TMP/after" "$what: applied and removed cleanly"
}

EST='-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT'
refused "closed port" "does not accept" "$EST" '-A INPUT -p tcp --dport 22 -m conntrack --ctstate NEW -j ACCEPT'
refused "connlimit" "beyond the state" "$EST" \
	'-A INPUT -p tcp --dport 80 -m connlimit --connlimit-above 50 -j REJECT' \
	'-A INPUT -p tcp --dport 80 -m conntrack --ctstate NEW -j ACCEPT'
refused "ctorigdstport" "beyond the state" "$EST" \
	'-A INPUT -p tcp -m conntrack --ctstate NEW --ctorigdstport 80 -j ACCEPT'
refused "connmark" "beyond the state" "$EST" \
	'-A INPUT -p tcp --dport 80 -m connmark --mark 1 -j ACCEPT'
refused "SYNPROXY" "takes untracked packets" \
	'-A INPUT -p tcp --dport 80 -m conntrack --ctstate INVALID,UNTRACKED -j SYNPROXY --sack-perm --timestamp --wscale 7 --mss 1460' \
	"$EST"
refused "a drop of untracked packets" "takes untracked packets" "$EST" \
	'-A INPUT -m conntrack --ctstate UNTRACKED -j DROP' \
	'-A INPUT -p tcp --dport 80 -m conntrack --ctstate NEW -j ACCEPT'
refused "ufw's NEW-only limit" "manager rewrites" ':ufw-user-input - [0:0]' "$EST" \
	'-A INPUT -j ufw-user-input' \
	'-A ufw-user-input -p tcp --dport 80 -m conntrack --ctstate NEW -m recent --set --name DEFAULT --rsource' \
	'-A ufw-user-input -p tcp --dport 80 -m conntrack --ctstate NEW -m recent --update --seconds 30 --hitcount 6 --name DEFAULT --rsource -j DROP' \
	'-A ufw-user-input -p tcp --dport 80 -j ACCEPT'
refused "a plain rate limit after the ESTABLISHED accept" "never reached" "$EST" \
	'-A INPUT -p tcp --dport 80 -m limit --limit 10/sec -j ACCEPT'
refused "a SYN-only ban" "SYN and the later segments" "$EST" \
	'-A INPUT -p tcp --syn -s 192.0.2.9 -j DROP' \
	'-A INPUT -p tcp --dport 80 -m conntrack --ctstate NEW -j ACCEPT'

out=$(firewall "$EST" '-A INPUT -p tcp --dport 22 -m conntrack --ctstate NEW -j ACCEPT'
	"$RAWTUNE" apply web --port 80 -4 --force 2>&1) || fail "--force: $out"
grep -q -- "--force: applied although" <<<"$out" || fail "--force said: $out"
pass "--force applies and says what it may open"
"$RAWTUNE" remove web >/dev/null

applies "RHEL: NEW accepts, REJECT last" "$EST" '-A INPUT -i lo -j ACCEPT' \
	'-A INPUT -p tcp -m state --state NEW -m tcp --dport 80 -j ACCEPT' '-A INPUT -j REJECT'
applies "plain accept" '-A INPUT -p tcp --dport 80 -j ACCEPT' "$EST"
applies "an admin's chain" ':web-in - [0:0]' "$EST" '-A INPUT -p tcp -j web-in' \
	'-A web-in -s 10.0.0.0/8 -m conntrack --ctstate NEW -j ACCEPT' '-A web-in -j RETURN'
applies "bans in a fail2ban chain" ':f2b-web - [0:0]' '-A INPUT -p tcp --dport 80 -j f2b-web' "$EST" \
	'-A INPUT -p tcp --dport 80 -m conntrack --ctstate NEW -j ACCEPT' \
	'-A f2b-web -s 192.0.2.9 -j REJECT' '-A f2b-web -j RETURN'
applies "a NEW rate limit" "$EST" \
	'-A INPUT -p tcp --dport 80 -m conntrack --ctstate NEW -m limit --limit 50/sec -j ACCEPT'
applies "odd flags dropped" "$EST" '-A INPUT -p tcp --tcp-flags ALL NONE -j DROP' \
	'-A INPUT -p tcp --dport 80 -m conntrack --ctstate NEW -j ACCEPT'
