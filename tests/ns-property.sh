#!/bin/bash
# Property: over random pre-existing rulesets (raw, nat and filter tables in
# both families: user chains, some named like rawtune's, many matches and
# targets, rules that copy rawtune's own with their rawtune:PROFILE tag
# outside rawtune's chains), apply changes no line but rawtune's raw chains
# and jumps, and adds nothing else but its twins (UNTRACKED accepts tagged
# with the profile) in filter, moving no line of the admin's; remove puts
# iptables-legacy-save back exactly as it was: with one profile, and with two
# removed in either order. An apply refused (NAT guard or verdict rule)
# changes nothing, and is then forced.
#
# The rulesets come from bash's $RANDOM seeded with each seed in turn: a fixed
# list and one from the date. A failure prints its seed; run that seed alone
# with RAWTUNE_PROPERTY_SEEDS=SEED (same bash version: the generator changed
# in bash 5.1), or none for only the fixed cases at the end.
. "${TESTS_SRCDIR:?make check sets TESTS_SRCDIR}/lib.sh"
need_root_and unshare iptables-legacy-restore ip6tables-legacy-restore \
	iptables-legacy-save ip6tables-legacy-save
enter_netns "$@"

SEEDS=${RAWTUNE_PROPERTY_SEEDS:-"1 2 3 5 8 13 21 34 55 89 144 233 377 610 987 1597 2584
	4181 6765 10946 17711 28657 46368 75025 121393 196418 317811 514229 832040 42 4242
	31337 65535 7 77 777 7777 12345 23456 34567 45678 56789 99991 271828 314159 161803
	100000 999999 $(date +%Y%m%d)"}

# ---- the generator ------------------------------------------------------------
# It runs in this shell, never in a subshell ($(...) or a pipe): a subshell
# reseeds $RANDOM, and the seed would no longer reproduce the ruleset.

chance() { (( RANDOM % $1 == 0 )); }
pick() { local -a a=("$@"); P=${a[RANDOM % $#]}; }

PORTS=(22 53 80 123 443 514 2222 5060 8000 8080 11211)
COMMENTS=(rawtune rawtune-ish "rawtune:" rawtune:web rawtune:dns rawtune:ntp rawtune:other
	RAWTUNE:web "rawtune:web " "user rule, not rawtune's" "rawtune:web,dns")

port() {
	if chance 3; then P=$((RANDOM % 65535 + 1)); else pick "${PORTS[@]}"; fi
}

# ports as one rule matches them: "80", "8000:8100" or a multiport list
port_match() { # PROTO
	local dir lo hi
	pick --dport --sport
	dir=$P
	if chance 3; then
		pick --dports --sports
		dir=$P
		port; M="-m multiport $dir $P"
		port; M+=",$P"
		# multiport refuses a range whose ends are the same port
		chance 2 && { port; lo=$((P > 65000 ? 65000 : P)); M+=",$lo:$((lo + 1 + RANDOM % 100))"; }
	elif chance 3; then
		port; lo=$P hi=$((P + RANDOM % 1000))
		((hi > 65535)) && hi=65535
		M="-m $1 $dir $lo:$hi"
	else
		port; M="-m $1 $dir $P"
	fi
}

address() {
	if [ "$FAM" = 4 ]; then
		pick 192.0.2.1 10.0.0.0/8 198.51.100.0/24 203.0.113.7/32 127.0.0.1
	else
		pick 2001:db8::1 2001:db8::/32 fe80::/10 ::1/128 2001:db8:1::/48
	fi
}

# One rule's matches and target for TABLE CHAIN, where HOOKS says which
# built-in chains can reach it ("in", "out", "both") and TARGETS are the
# user chains it may jump to.
rule() { # TABLE CHAIN HOOKS TARGETS...
	local table=$1 chain=$2 hooks=$3 proto="" r=""
	shift 3

	if [ "$table" = nat ]; then
		pick tcp udp
		proto=$P
	elif chance 2; then
		pick tcp udp tcp icmp
		proto=$P
	fi
	if [ "$proto" = icmp ]; then
		if [ "$FAM" = 4 ]; then
			r="-p icmp"
			chance 2 && { pick 8 0 3/4 11; r+=" -m icmp --icmp-type $P"; }
		else
			r="-p ipv6-icmp"
			chance 2 && { pick 128 129 2 135; r+=" -m icmp6 --icmpv6-type $P"; }
		fi
	elif [ -n "$proto" ]; then
		[ "$table" != nat ] && chance 6 && r="! "
		r+="-p $proto"
		if [ "$r" = "-p $proto" ] && ! chance 4; then
			port_match "$proto"
			r+=" $M"
		fi
		[ "$r" = "-p tcp" ] && chance 3 && r+=" -m tcp --tcp-flags FIN,SYN,RST,ACK SYN"
	fi
	if chance 4; then
		address
		chance 5 && r+=" !"
		if chance 2; then r+=" -s $P"; else r+=" -d $P"; fi
	fi
	if chance 4; then
		pick eth0 veth+ lo docker0 br-+ "eth0.100"
		local ifname=$P neg=""
		chance 5 && neg="! "
		case $hooks in
		in) r+=" $neg-i $ifname" ;;
		out) r+=" $neg-o $ifname" ;;
		*) if chance 2; then r+=" $neg-i $ifname"; else r+=" $neg-o $ifname"; fi ;;
		esac
	fi
	if chance 4; then
		pick NEW RELATED,ESTABLISHED UNTRACKED INVALID NEW,UNTRACKED
		if chance 3; then r+=" -m state --state $P"; else r+=" -m conntrack --ctstate $P"; fi
	fi
	chance 5 && { pick "--dst-type LOCAL" "--src-type LOCAL" "! --dst-type LOCAL" \
		"--dst-type MULTICAST"; r+=" -m addrtype $P"; }
	chance 6 && r+=" -m limit --limit $((RANDOM % 20 + 1))/min --limit-burst 5"
	chance 6 && { pick 0x1 0x1/0xff 0x100/0xf00; r+=" -m mark --mark $P"; }
	chance 3 && { pick "${COMMENTS[@]}"; r+=" -m comment --comment \"$P\""; }

	# an inverted protocol is none for the targets (REJECT --reject-with tcp-reset)
	[[ $r == "! "* ]] && proto=""
	target "$table" "$chain" "$proto" "$@"
	R="-A $chain $r $T"
}

target() { # TABLE CHAIN PROTO TARGETS...
	local table=$1 chain=$2 proto=$3
	local -a jumps=("${@:4}")

	if [ ${#jumps[@]} -gt 0 ] && chance 4; then
		pick "${jumps[@]}"
		T="-j $P"
		return
	fi
	case $table:$chain in
	raw:*)
		pick "-j CT --notrack" "-j CT --notrack" "-j DROP" "-j ACCEPT" "-j RETURN" \
			"-j CT --zone 7" "-j LOG --log-prefix \"raw: \"" ""
		;;
	filter:*)
		local reject="icmp-port-unreachable"
		[ "$FAM" = 6 ] && reject="icmp6-port-unreachable"
		[ "$proto" = tcp ] && chance 2 && reject="tcp-reset"
		pick "-j ACCEPT" "-j DROP" "-j RETURN" "-j REJECT" \
			"-j REJECT --reject-with $reject" "-j LOG --log-prefix \"drop: \"" ""
		;;
	nat:PREROUTING | nat:OUTPUT | nat:DOCKER)
		if [ "$FAM" = 4 ]; then
			pick "-j DNAT --to-destination 10.0.0.2:8080" "-j DNAT --to-destination 10.0.0.3" \
				"-j REDIRECT --to-ports 3128" "-j RETURN" "-j ACCEPT"
		else
			pick "-j DNAT --to-destination [2001:db8::2]:8080" "-j REDIRECT --to-ports 3128" \
				"-j RETURN" "-j ACCEPT"
		fi
		;;
	nat:POSTROUTING | nat:POST-NAT)
		if [ "$FAM" = 4 ]; then
			pick "-j MASQUERADE" "-j SNAT --to-source 192.0.2.9" "-j RETURN" "-j ACCEPT"
		else
			pick "-j MASQUERADE" "-j SNAT --to-source 2001:db8::9" "-j RETURN" "-j ACCEPT"
		fi
		;;
	*)
		pick "-j RETURN" "-j ACCEPT" "-j LOG --log-prefix \"nat: \"" ""
		;;
	esac
	T=$P
}

# The profile's own rule text, copied outside rawtune's chains.
lookalike() { # TABLE CHAIN
	local ports=80,443 tag=rawtune:web icmp="-p icmp -m icmp --icmp-type 3/4"
	chance 2 && { pick "53" "123" "80,443" "8000:8100"; ports=$P; }
	chance 2 && { pick rawtune:web rawtune:dns rawtune:ntp; tag=$P; }
	[ "$FAM" = 6 ] && icmp="-p ipv6-icmp -m icmp6 --icmpv6-type 2"
	case $1 in
	filter)
		pick "-m comment --comment rawtune -j RAWTUNEX" \
			"-m comment --comment rawtune" \
			"-m comment --comment rawtune -j RETURN" \
			"-p tcp -m multiport --dports $ports -m conntrack --ctstate UNTRACKED -m comment --comment $tag -j ACCEPT" \
			"-i lo -p udp -m multiport --sports $ports -m conntrack --ctstate UNTRACKED -m comment --comment $tag -j ACCEPT" \
			"$icmp -m comment --comment $tag -j ACCEPT"
		;;
	raw)
		pick "-m comment --comment rawtune -j RAWTUNEX" \
			"-p tcp -m addrtype --dst-type LOCAL -m tcp --tcp-flags FIN,SYN,RST,ACK SYN -m multiport --dports $ports -m comment --comment $tag" \
			"-p udp -m addrtype --dst-type LOCAL -m multiport --dports $ports -m comment --comment $tag -j CT --notrack" \
			"-o lo -p tcp -m multiport --dports $ports -m comment --comment $tag -j CT --notrack"
		;;
	esac
	R="-A $2 $P"
	# a jump to RAWTUNEX from built-in chains only (no loops), if it exists;
	# no -o where packets arrive, no -i where they leave
	case $R in
	*RAWTUNEX*) [[ $2 =~ ^[A-Z]+ROUTING$|^INPUT$|^OUTPUT$|^FORWARD$ &&
		" ${CHAINS[*]} " == *" RAWTUNEX "* ]] || R="" ;;
	*"-o lo"*) [[ $2 = PREROUTING || $2 = INPUT ]] && R="" ;;
	*"-i lo"*) [[ $2 = OUTPUT || $2 = POSTROUTING ]] && R="" ;;
	esac
}

# The rules of one chain: a few to a dozen, lookalikes among them.
chain_rules() { # TABLE CHAIN HOOKS TARGETS...
	local table=$1 chain=$2 n=$((RANDOM % 9)) i
	for ((i = 0; i < n; i++)); do
		if [ "$table" != nat ] && chance 5; then
			lookalike "$table" "$chain"
		else
			rule "$@"
		fi
		[ -n "$R" ] && echo "$R"
	done
}

# A table: its built-in chains, a random choice of user chains (in an order
# that jumps only go down, so there are no loops), their rules.
table() { # TABLE BUILTIN... -- POOL...
	local table=$1 builtin=() pool=() c j hooks policy
	shift
	while [ "$1" != -- ]; do builtin+=("$1"); shift; done
	shift
	pool=("$@")
	CHAINS=()
	for c in "${pool[@]}"; do
		chance 2 && CHAINS+=("$c")
	done

	echo "*$table"
	for c in "${builtin[@]}"; do
		policy=ACCEPT
		[ "$table" = filter ] && chance 3 && policy=DROP
		echo ":$c $policy [0:0]"
	done
	for c in "${CHAINS[@]}"; do
		echo ":$c - [0:0]"
	done
	for c in "${builtin[@]}"; do
		case $c in
		PREROUTING | INPUT) hooks=in ;;
		OUTPUT | POSTROUTING) hooks=out ;;
		*) hooks=both ;;
		esac
		jump_targets "$table" "$c" 0
		chain_rules "$table" "$c" "$hooks" "${JT[@]}"
	done
	for ((j = 0; j < ${#CHAINS[@]}; j++)); do
		jump_targets "$table" "${CHAINS[j]}" $((j + 1))
		chain_rules "$table" "${CHAINS[j]}" both "${JT[@]}"
	done
	echo COMMIT
}

# Which user chains a chain may jump to: those after it; in nat, the DNAT
# chain only from PREROUTING and OUTPUT, the SNAT chain only from POSTROUTING.
# They go to the array JT.
jump_targets() { # TABLE CHAIN FIRST
	local k c
	JT=()
	for ((k = $3; k < ${#CHAINS[@]}; k++)); do
		c=${CHAINS[k]}
		case $1:$2:$c in
		nat:PREROUTING:DOCKER | nat:OUTPUT:DOCKER | nat:POSTROUTING:POST-NAT) JT+=("$c") ;;
		nat:*:DOCKER | nat:*:POST-NAT) ;;
		nat:PREROUTING:* | nat:OUTPUT:* | nat:POSTROUTING:* | nat:INPUT:*) JT+=("$c") ;;
		nat:*) ;;
		*) JT+=("$c") ;;
		esac
	done
}

ruleset() { # FAMILY
	FAM=$1
	table raw PREROUTING OUTPUT -- NOTRACK-IN RAWTUNEX RAWTUNE RAWTUNE-INPUT RAWTUNE_PRE \
		RAWTUNE-FORWARD rawtune-prerouting
	table nat PREROUTING INPUT OUTPUT POSTROUTING -- DOCKER POST-NAT RAWTUNEX \
		RAWTUNE-PREROUTING RAWTUNE-OUTPUT
	table filter INPUT FORWARD OUTPUT -- FW LOGDROP RAWTUNEX RAWTUNE RAWTUNE_IN \
		RAWTUNE-PREROUTING RAWTUNE-INPUTX RAWTUNE-X rawtune-input
}

# A profile and options for apply: its ports, maybe other ports, a family.
profile() {
	local n hi
	pick web dns ntp
	PROFILE=$P
	ARGS=("$PROFILE")
	if chance 2; then
		port; ARGS+=(--port "$P")
		for ((n = RANDOM % 3; n > 0; n--)); do
			port
			if chance 3; then
				hi=$((P + RANDOM % 50))
				((hi > 65535)) && hi=65535
				ARGS[-1]+=",$P-$hi"
			else
				ARGS[-1]+=",$P"
			fi
		done
	fi
	chance 5 && ARGS+=(--proto tcp,udp)
	pick "" -4 -6 ""
	[ -n "$P" ] && ARGS+=("$P")
}

# ---- the checks -------------------------------------------------------------

# make check runs libtool's wrapper script, a shell that costs more than the
# program it starts; call that program, with the library path the script sets.
RT_PROG=$RAWTUNE RT_LIBS=${LD_LIBRARY_PATH:-}
if grep -q 'temporary wrapper script' "$RAWTUNE" 2>/dev/null; then
	RT_PROG=$(dirname "$RAWTUNE")/.libs/$(basename "$RAWTUNE")
	RT_LIBS=$(sed -n 's/^ *LD_LIBRARY_PATH="\(.*\):\$LD_LIBRARY_PATH"$/\1/p' "$RAWTUNE")
	[ -x "$RT_PROG" ] && [ -n "$RT_LIBS" ] || RT_PROG=$RAWTUNE RT_LIBS=${LD_LIBRARY_PATH:-}
fi
rawtune() { LD_LIBRARY_PATH=$RT_LIBS "$RT_PROG" "$@"; }

# snapshot FILE [others]: iptables-legacy-save of both families, without the
# date comments, chain counters at [0:0] (one save per family: save_all's per
# table are too slow for many rulesets; the tables come in the kernel's order,
# the same all along, as every ruleset loads all three). With "others",
# without rawtune's own lines: its chains (by their exact names, in the tables
# where rawtune makes them: raw only) and its jumps to them, and failing
# unless each jump is alone and the first rule of its built-in chain. The whole save goes
# to FILE.full too, named by $STATE, and the number of rules to FILE.rules.
snapshot() {
	{
		echo "## ipv4"
		iptables-legacy-save
		echo "## ipv6"
		ip6tables-legacy-save
	} >"$TEST_TMP/save"
	STATE=$1.full
	awk -v others="${2:-}" -v count="$1.rules" -v full="$STATE" '
	/^# / { next }
	/^\*/ { table = substr($0, 2); delete seen; delete njump }
	/^:/ { sub(/\[[0-9]+:[0-9]+\]$/, "[0:0]") }
	$1 == "-A" { rules++ }
	{ print >full }
	others {
		ours = "^$"
		if (table == "raw")
			ours = "^(RAWTUNE-PREROUTING|RAWTUNE-OUTPUT)$"
		if ($1 ~ /^:/ && substr($1, 2) ~ ours && $2 == "-")
			next
		if ($1 == "-A" && $2 ~ ours)
			next
		if ($1 == "-A") {
			jump = NF == 8 && $3 == "-m" && $5 == "--comment" && $6 == "rawtune" &&
			       $7 == "-j" && $8 == "RAWTUNE-" $2 && $8 ~ ours
			if (jump && (seen[$2] || ++njump[$2] > 1)) {
				print table " " $2 ": rawtune'"'"'s jump is not alone at position 1" \
					>"/dev/stderr"
				bad = 1
			}
			seen[$2] = 1
			if (jump)
				next
		}
	}
	{ print }
	END { print rules + 0 >count; exit bad }' "$TEST_TMP/save" >"$1"
}

CASE=""
fail_case() {
	echo "FAIL: seed $SEED: $CASE: $*" >&2
	if [ "$SEED" = fixed ]; then
		echo "  reproduce: RAWTUNE_PROPERTY_SEEDS=none (the fixed cases only)" >&2
	else
		echo "  reproduce: RAWTUNE_PROPERTY_SEEDS=$SEED (bash $BASH_VERSION)" >&2
	fi
	echo "  the ruleset before:" >&2
	sed 's/^/    /' "$TEST_TMP/before" >&2
	exit 1
}

# Compared in the shell, a diff only to show a difference: processes are what
# costs time here.
same() { # FILE1 FILE2
	local a b

	IFS= read -r -d '' a <"$1"
	IFS= read -r -d '' b <"$2"
	[[ $a == "$b" ]] || { diff -u "$1" "$2" >&2; return 1; }
}

# The rules outside rawtune's chains are the original ones, in their order,
# with only twins added among them, and the jumps are first.
TWIN='^> -A [^ ]+ .*-m comment --comment "?rawtune:(web|dns|ntp)"? .*-m conntrack --ctstate (UNTRACKED|INVALID)( -j .*)?$'
check_others() { # WHAT
	snapshot "$TEST_TMP/now-others" others || fail_case "$1: the jumps are not in place"
	same "$TEST_TMP/before" "$TEST_TMP/now-others" 2>/dev/null && return
	diff "$TEST_TMP/before" "$TEST_TMP/now-others" >"$TEST_TMP/diff"
	grep -v '^[0-9,]*a[0-9,]*$' "$TEST_TMP/diff" | grep -Ev -- "$TWIN" >&2 && {
		diff -u "$TEST_TMP/before" "$TEST_TMP/now-others" >&2
		fail_case "$1 changed rules that are not rawtune's, or added others than twins (above: - before, + after)"
	}
	TWINS=$((TWINS + $(grep -c '^>' "$TEST_TMP/diff")))
}

check_same() { # WHAT
	snapshot "$TEST_TMP/now"
	same "$TEST_TMP/before" "$TEST_TMP/now" ||
		fail_case "$1 did not give back the ruleset (above: - before, + after)"
}

run() { # ARGS...
	rawtune "$@" >"$TEST_TMP/out" 2>&1 || {
		cat "$TEST_TMP/out" >&2
		fail_case "rawtune $* failed"
	}
}

# apply, and when the NAT guard refuses, check that nothing changed and force
# it. The last snapshot ($STATE) is what the rules are before.
apply() { # ARGS...
	local state=$STATE

	if ! chance 3; then
		run apply "$@" --force
		return
	fi
	rawtune apply "$@" >"$TEST_TMP/out" 2>&1 && return
	if grep -q 'NAT applies' "$TEST_TMP/out"; then
		GUARDED=$((GUARDED + 1))
	elif grep -Eq '^rawtune: .*\((ipv4|ipv6) (filter|mangle)\), (tcp|udp) port [0-9,.-]+: ' "$TEST_TMP/out" &&
		[ "$(wc -l <"$TEST_TMP/out")" -eq 1 ]; then
		REFUSED=$((REFUSED + 1))
	else
		cat "$TEST_TMP/out" >&2
		fail_case "rawtune apply $* failed"
	fi
	snapshot "$TEST_TMP/refused"
	same "$state" "$STATE" || fail_case "a refused apply $* changed the rules"
	run apply "$@" --force
}

one_seed() {
	local first second n last
	RANDOM=$SEED
	ruleset 4 >"$TEST_TMP/rules4"
	ruleset 6 >"$TEST_TMP/rules6"
	CASE="loading the ruleset"
	iptables-legacy-restore <"$TEST_TMP/rules4" 2>"$TEST_TMP/out" ||
		{ cat "$TEST_TMP/rules4" "$TEST_TMP/out" >&2; fail "seed $SEED: bad IPv4 ruleset"; }
	ip6tables-legacy-restore <"$TEST_TMP/rules6" 2>"$TEST_TMP/out" ||
		{ cat "$TEST_TMP/rules6" "$TEST_TMP/out" >&2; fail "seed $SEED: bad IPv6 ruleset"; }
	snapshot "$TEST_TMP/before"
	read -r n <"$TEST_TMP/before.rules"
	RULES=$((RULES + n))

	if chance 3; then
		CASE="remove ntp, never applied"
		run remove ntp
		check_same "remove of a profile never applied"
	fi

	profile
	first=("${ARGS[@]}")
	CASE="apply ${first[*]}"
	apply "${first[@]}"
	check_others "apply ${first[*]}"

	if chance 4; then
		# the same profile again, other ports, maybe another family
		port
		first=("${first[0]}" --port "$P")
		pick "" -4 -6
		[ -n "$P" ] && first+=("$P")
		CASE="apply ${first[*]} over the same profile"
		apply "${first[@]}"
		check_others "$CASE"
	fi

	if chance 2; then
		CASE="remove ${first[0]} after apply ${first[*]}"
		run remove "${first[0]}"
		check_same "remove ${first[0]}"
		return
	fi

	# a second profile, removed before or after the first
	profile
	while [ "$PROFILE" = "${first[0]}" ]; do profile; done
	second=("${ARGS[@]}")
	CASE="apply ${first[*]}, then ${second[*]}"
	apply "${second[@]}"
	check_others "apply ${second[*]} over ${first[*]}"
	if chance 2; then
		CASE+=", remove ${first[0]} then ${second[0]}"
		run remove "${first[0]}"
		check_others "remove ${first[0]}"
		last=${second[0]}
	else
		CASE+=", remove ${second[0]} then ${first[0]}"
		run remove "${second[0]}"
		check_others "remove ${second[0]}"
		last=${first[0]}
	fi
	if chance 3; then
		CASE+=" (remove --all)"
		run remove --all
	else
		run remove "$last"
	fi
	check_same "$CASE"
	TWO=$((TWO + 1))
}

# ---- fixed cases ---------------------------------------------------------------
# Found while writing this test; kept so that they stay fixed.

# The lines of the FORWARD hook: the built-in chain and RAWTUNE-FORWARD.
forward_lines() { awk '$1 ~ /FORWARD/ || $2 ~ /FORWARD/' "$1"; }

# A chain named RAWTUNE-FORWARD that the admin made and jumps to, not rawtune:
# a profile without forwarding makes no rule in that hook, so apply must leave
# FORWARD as it is (no jump of rawtune's ahead of the admin's rules), and
# remove give back the ruleset exactly. (An empty RAWTUNE-FORWARD that nothing
# jumps to is rawtune's to delete: that is how it cleans up after itself.)
fixed_case() { # WHAT PROFILE FILTER-RULES...
	local what=$1 profile=$2 r
	shift 2

	SEED="fixed" CASE="$what"
	{
		echo "*filter"
		echo ":INPUT ACCEPT [0:0]"
		echo ":FORWARD DROP [0:0]"
		echo ":OUTPUT ACCEPT [0:0]"
		for r in "$@"; do echo "$r"; done
		echo COMMIT
		printf '*raw\nCOMMIT\n*nat\nCOMMIT\n'
	} >"$TEST_TMP/rules4"
	# policies too: a restore keeps those of the last random ruleset
	printf '*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n*raw\nCOMMIT\n*nat\nCOMMIT\n' \
		>"$TEST_TMP/rules6"
	iptables-legacy-restore <"$TEST_TMP/rules4" || fail "$what: cannot load the ruleset"
	ip6tables-legacy-restore <"$TEST_TMP/rules6" || fail "$what: cannot load the ruleset"
	snapshot "$TEST_TMP/before"
	forward_lines "$TEST_TMP/before" >"$TEST_TMP/forward-before"
	run apply "$profile"
	snapshot "$TEST_TMP/now"
	forward_lines "$TEST_TMP/now" >"$TEST_TMP/forward-now"
	same "$TEST_TMP/forward-before" "$TEST_TMP/forward-now" ||
		fail_case "apply $profile changed the FORWARD hook, where it makes no rule"
	run remove "$profile"
	check_same "remove $profile"
	pass "$what"
}

RULES=0 TWO=0 GUARDED=0 REFUSED=0 TWINS=0 N=0
start=$(date +%s%N)
for SEED in $SEEDS; do
	[ "$SEED" = none ] && continue
	one_seed
	N=$((N + 1))
done
ms=$((($(date +%s%N) - start) / 1000000))
[ $N -gt 0 ] && pass "$N random rulesets ($RULES rules; $TWO with two profiles; $GUARDED apply refused by the NAT guard and $REFUSED by the verdict rule, then forced; $TWINS twins seen) in $((ms / 1000)).$((ms % 1000 / 100)) s: apply changed no other rule, remove gave each back exactly"

fixed_case "a chain RAWTUNE-FORWARD that rawtune did not make gets no jump at position 1" web \
	":RAWTUNE-FORWARD - [0:0]" \
	"-A FORWARD -s 10.0.0.0/8 -j DROP" \
	"-A FORWARD -j RAWTUNE-FORWARD" \
	"-A RAWTUNE-FORWARD -j LOG --log-prefix \"forwarded: \""
