#!/bin/bash
# The verdict rule as a property, over random firewalls built from the shapes
# real ones have: RHEL's iptables-services (--state NEW accepts, REJECT last),
# ufw-style user chains with plain accepts and a NEW-only rate limit,
# fail2ban chains jumped from INPUT 1, bans above the accepts,
# source-restricted accepts, rate limits, DROP policies, filtered egress, a
# Docker-style FORWARD. For each, a matrix of probes with real packets
# (tests/probe.sh: whole TCP connections and UDP exchanges, chosen source
# ports, a banned and an allowed host, an unprivileged local user) runs
# before and after "rawtune apply". Nothing may pass after that did not pass
# before; the profile's own traffic must still pass; apply must succeed on
# the shapes where untracking is safe and refuse the others.
#
# RAWTUNE_PROPERTY_SEED and RAWTUNE_PROPERTY_RUNS pick other firewalls.
. "${TESTS_SRCDIR:?make check sets TESTS_SRCDIR}/lib.sh"
. "$TESTS_SRCDIR/probe.sh"
need_root_and ip socat setpriv conntrack iptables-legacy-restore
netns_setup
export RAWTUNE_PROFILE_DIR="$TEST_TMP/profiles.d"
mkdir -p "$RAWTUNE_PROFILE_DIR"
chmod 0755 "$TEST_TMP" "$RAWTUNE_PROFILE_DIR"
probe_topology

SEED=${RAWTUNE_PROPERTY_SEED:-20261203}
RUNS=${RAWTUNE_PROPERTY_RUNS:-14}
P=8080  # the profile's TCP port, served
E=8090  # the profile's second TCP port, not served: a local user binds it
U=53    # the profile's UDP port (privileged: no owner needed)
printf '%s\n' "ports = $P, $E" 'protocols = tcp' >"$RAWTUNE_PROFILE_DIR/app.conf"
printf '%s\n' "ports = $U" 'protocols = udp' >"$RAWTUNE_PROFILE_DIR/resolver.conf"
for p in $P 2222; do serve "$V" tcp $p; done
serve "$V" udp $U
serve "$V" udp 2223
serve "$B" tcp 9999
sleep 0.3

pick() { # pick VAR A B C...: VAR becomes one of the words (no subshell: RANDOM stays ours)
	local var=$1 words=("${@:2}")
	printf -v "$var" '%s' "${words[RANDOM % ${#words[@]}]}"
}

# One random firewall as iptables-restore input; the verdict expected of
# apply for the TCP and the UDP profile ("ok" or "refuse") in $want_tcp and
# $want_udp; a description in $shape.
make_firewall() {
	local policy accept uaccept ban f2b egress limit
	pick policy DROP DROP ACCEPT
	pick accept rhel rhel plain source ufw ufw-limit limit closed
	pick uaccept rhel plain closed
	pick ban yes no
	pick f2b yes no
	pick egress open open filtered
	[ "$policy" = ACCEPT ] && [ "$accept" = closed ] && accept=rhel
	shape="INPUT $policy, tcp $accept, udp $uaccept, ban $ban, fail2ban $f2b, egress $egress"
	want_tcp=ok want_udp=ok
	case $accept in closed | ufw-limit) want_tcp=refuse ;; esac
	[ "$uaccept" = closed ] && [ "$policy" = DROP ] && want_udp=refuse
	[ "$uaccept" = closed ] && [ "$policy" = ACCEPT ] && uaccept=none
	echo '*filter'
	echo ":INPUT $policy [0:0]"
	echo ':FORWARD DROP [0:0]'
	echo ":OUTPUT $([ "$egress" = filtered ] && echo DROP || echo ACCEPT) [0:0]"
	[ "$f2b" = yes ] && echo ':f2b-web - [0:0]'
	case $accept in ufw | ufw-limit) printf '%s\n' ':ufw-user-input - [0:0]' ':ufw-user-limit - [0:0]' ;; esac
	echo ':DOCKER-USER - [0:0]'
	[ "$f2b" = yes ] && echo "-A INPUT -p tcp -m multiport --dports $P -j f2b-web"
	echo '-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT'
	echo '-A INPUT -i lo -j ACCEPT'
	echo '-A INPUT -m conntrack --ctstate INVALID -j DROP'
	[ "$ban" = yes ] && echo "-A INPUT -s 10.220.1.2/32 -j DROP"
	case $accept in
	rhel) echo "-A INPUT -p tcp -m state --state NEW -m multiport --dports $P,$E -j ACCEPT" ;;
	plain) echo "-A INPUT -p tcp -m multiport --dports $P,$E -j ACCEPT" ;;
	source) echo "-A INPUT -s 10.220.2.0/24 -p tcp -m state --state NEW -m multiport --dports $P,$E -j ACCEPT" ;;
	limit) echo "-A INPUT -p tcp -m state --state NEW -m multiport --dports $P,$E -m limit --limit 100/sec --limit-burst 200 -j ACCEPT" ;;
	ufw) echo '-A INPUT -j ufw-user-input'
		echo "-A ufw-user-input -p tcp -m multiport --dports $P,$E -j ACCEPT" ;;
	ufw-limit) echo '-A INPUT -j ufw-user-input'
		echo "-A ufw-user-input -p tcp -m multiport --dports $P,$E -m conntrack --ctstate NEW -m recent --set --name DEFAULT --mask 255.255.255.255 --rsource"
		echo "-A ufw-user-input -p tcp -m multiport --dports $P,$E -m conntrack --ctstate NEW -m recent --update --seconds 30 --hitcount 6 --name DEFAULT --mask 255.255.255.255 --rsource -j ufw-user-limit"
		echo "-A ufw-user-input -p tcp -m multiport --dports $P,$E -j ACCEPT"
		echo '-A ufw-user-limit -j REJECT' ;;
	esac
	case $uaccept in
	rhel) echo "-A INPUT -p udp -m state --state NEW -m udp --dport $U -j ACCEPT" ;;
	plain) echo "-A INPUT -p udp -m udp --dport $U -j ACCEPT" ;;
	esac
	[ "$policy" = DROP ] && echo '-A INPUT -j REJECT'
	[ "$f2b" = yes ] && printf '%s\n' '-A f2b-web -s 10.220.1.2/32 -j REJECT' '-A f2b-web -j RETURN'
	echo '-A FORWARD -j DOCKER-USER'
	echo '-A FORWARD -o docker0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT'
	echo '-A DOCKER-USER -j RETURN'
	if [ "$egress" = filtered ]; then
		echo '-A OUTPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT'
		echo '-A OUTPUT -o lo -j ACCEPT'
		echo '-A OUTPUT -p tcp -m tcp --dport 9999 -m owner --uid-owner 0 -j ACCEPT'
	fi
	echo 'COMMIT'
}

# The matrix, all probes at once: "name result" lines in file $1.
PROBES=(
	"C-app $C tcp 10.220.2.1 $P"
	"B-app $B tcp 10.220.1.1 $P"
	"C-sport-app $C tcp 10.220.2.1 2222 $P"
	"B-sport-app $B tcp 10.220.1.1 2222 $P"
	"C-udp $C udp 10.220.2.1 $U"
	"B-udp $B udp 10.220.1.1 $U"
	"C-sport-udp $C udp 10.220.2.1 2223 $U"
	"B-sport-udp $B udp 10.220.1.1 2223 $U"
	"nobody-out-tcp $V tcp 10.220.1.2 9999 $E nobody"
	"root-out-tcp $V tcp 10.220.1.2 9999"
)
matrix() {
	local p words pids=()

	for p in "${PROBES[@]}"; do
		read -ra words <<<"$p"
		(echo "${words[0]} $(probe "${words[@]:1}")" >"$TEST_TMP/probe.${words[0]}") &
		pids+=($!)
	done
	wait "${pids[@]}"
	cat "$TEST_TMP"/probe.* | sort >"$1"
	rm -f "$TEST_TMP"/probe.*
}

# apply PROFILE: "ok" or "refuse", with the message kept
try_apply() {
	if rawtune_v apply "$1" >"$TEST_TMP/apply.out" 2>"$TEST_TMP/apply.err"; then
		echo ok
	else
		echo refuse
	fi
}

firewalls=0 probes=0 applied=0 refused=0
for run in $(seq 1 "$RUNS"); do
	RANDOM=$((SEED + run * 7919))
	make_firewall >"$TEST_TMP/fw.$run"
	firewall <"$TEST_TMP/fw.$run"
	matrix "$TEST_TMP/before"
	got_tcp=$(try_apply app)
	[ "$got_tcp" = "$want_tcp" ] ||
		fail "firewall $run ($shape): apply app: $got_tcp, want $want_tcp: $(cat "$TEST_TMP/apply.err")"
	got_udp=$(try_apply resolver)
	[ "$got_udp" = "$want_udp" ] ||
		fail "firewall $run ($shape): apply resolver: $got_udp, want $want_udp: $(cat "$TEST_TMP/apply.err")"
	matrix "$TEST_TMP/after"
	while read -r name before && read -r _ after <&3; do
		if [ "$after" = pass ] && [ "$before" != pass ]; then
			diff "$TEST_TMP/before" "$TEST_TMP/after" >&2
			cat "$TEST_TMP/fw.$run" >&2
			fail "firewall $run ($shape): $name passes after apply, not before"
		fi
		case $name in
		C-app | C-udp)
			[ "$before" = pass ] && [ "$after" != pass ] &&
				fail "firewall $run ($shape): the profile's own traffic $name broke"
			;;
		esac
		probes=$((probes + 2))
	done <"$TEST_TMP/before" 3<"$TEST_TMP/after"
	if [ "$got_tcp" = ok ]; then
		ip netns exec "$V" conntrack -F 2>/dev/null
		expect "firewall $run: C reaches the untracked port" pass "$C" tcp 10.220.2.1 $P >/dev/null
		n=$(ip netns exec "$V" conntrack -L -p tcp --dport $P 2>/dev/null | grep -c . || true)
		[ "$n" -eq 0 ] || fail "firewall $run ($shape): $n conntrack entries for port $P"
	fi
	for got in "$got_tcp" "$got_udp"; do
		if [ "$got" = ok ]; then applied=$((applied + 1)); else refused=$((refused + 1)); fi
	done
	rawtune_v remove --all >/dev/null || fail "remove --all"
	firewalls=$((firewalls + 1))
	pass "firewall $run ($shape): apply tcp $got_tcp, udp $got_udp; nothing new passes"
done
[ "$applied" -gt 0 ] && [ "$refused" -gt 0 ] || fail "the draw applied $applied and refused $refused: pick another seed"
pass "$firewalls firewalls, $probes probes (seed $SEED): $applied applies, $refused refusals, nothing widened"
