#!/bin/bash
# Apply and remove are atomic across the tables they replace (raw of both
# families; filter where the firewall's NEW accepts get twins, and again
# where rawtune 0.1's accept chains are cleaned away): with each replace
# failing in turn (tests/fault-shim.c, preloaded), rawtune exits
# 1 naming the table, undoes exactly the tables it had committed, and leaves
# iptables-legacy-save as it was. A replace refused with EAGAIN (a writer
# that ignores the lock) is read again and retried a bounded number of times.
# When the undo itself is refused, rawtune says so, and running the same
# command again repairs the firewall. The same for a profile whose raw
# rules live in chains of its own (grown into them, shrunk out of them,
# removed with them).
. "${TESTS_SRCDIR:?make check sets TESTS_SRCDIR}/lib.sh"
need_root_and unshare iptables-legacy-restore ip6tables-legacy-restore \
	iptables-legacy-save ip6tables-legacy-save
need_shim fault-shim
enter_netns "$@"

# This test runs rawtune some hundred times.
unwrap_rawtune

# The user's own rules in raw and filter of both families, before rawtune's:
# a stateful firewall whose NEW accepts of web's and dns's ports get twins.
ruleset() {
	cat <<RULES
*raw
:PREROUTING ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A PREROUTING -p udp -m udp --dport 5060 -j CT --notrack
-A OUTPUT -p udp -m udp --sport 5060 -j CT --notrack
COMMIT
*filter
:INPUT DROP [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
:FW - [0:0]
-A INPUT -j FW
-A FW -i lo -j ACCEPT
-A FW -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A FW -p $1 -j ACCEPT
-A FW -p tcp -m tcp --dport 22 -j ACCEPT
-A FW -p tcp -m tcp --dport 9000:9100 -j ACCEPT
-A FW -p tcp -m conntrack --ctstate NEW -m multiport --dports 53,80,8080 -j ACCEPT
-A FW -p udp -m conntrack --ctstate NEW -m udp --dport 53 -j ACCEPT
-A FW -j REJECT
-A OUTPUT -p tcp -m tcp --dport 25 -j REJECT
COMMIT
RULES
}

ruleset icmp >"$TEST_TMP/rules4"
ruleset ipv6-icmp >"$TEST_TMP/rules6"

# The states the scenarios start from, over the user's rules, made fault-free.
setup_apply() { :; }
# web applied by rawtune 0.1: its RAWTUNE chains in filter with accepts at
# position 1, raw rules without the SYN count and the ! --syn on replies.
# apply adds the twins (filter), rewrites raw, then cleans the 0.1 chains
# away (filter again).
setup_upgrade() {
	local rules='*raw
:RAWTUNE-OUTPUT - [0:0]
:RAWTUNE-PREROUTING - [0:0]
-I PREROUTING 1 -m comment --comment rawtune -j RAWTUNE-PREROUTING
-I OUTPUT 1 -m comment --comment rawtune -j RAWTUNE-OUTPUT
-A RAWTUNE-OUTPUT -p tcp -m tcp --sport 80 -m comment --comment "rawtune:web" -j CT --notrack
-A RAWTUNE-OUTPUT -o lo -p tcp -m tcp --dport 80 -m comment --comment "rawtune:web" -j CT --notrack
-A RAWTUNE-PREROUTING -p tcp -m addrtype --dst-type LOCAL -m tcp --dport 80 -m comment --comment "rawtune:web" -j CT --notrack
COMMIT
*filter
:RAWTUNE-INPUT - [0:0]
:RAWTUNE-OUTPUT - [0:0]
-I INPUT 1 -m comment --comment rawtune -j RAWTUNE-INPUT
-I OUTPUT 1 -m comment --comment rawtune -j RAWTUNE-OUTPUT
-A RAWTUNE-INPUT -p tcp -m tcp --dport 80 -m conntrack --ctstate UNTRACKED -m comment --comment "rawtune:web" -j ACCEPT
-A RAWTUNE-INPUT -i lo -p tcp -m tcp --sport 80 -m conntrack --ctstate UNTRACKED -m comment --comment "rawtune:web" -j ACCEPT
-A RAWTUNE-OUTPUT -p tcp -m tcp --sport 80 -m conntrack --ctstate UNTRACKED -m comment --comment "rawtune:web" -j ACCEPT
-A RAWTUNE-OUTPUT -o lo -p tcp -m tcp --dport 80 -m conntrack --ctstate UNTRACKED -m comment --comment "rawtune:web" -j ACCEPT
COMMIT'

	iptables-legacy-restore --noflush <<<"$rules" &&
		ip6tables-legacy-restore --noflush <<<"$rules"
}
# web applied, and then the user put rules ahead of rawtune's raw jumps
# (and at the top of filter's INPUT and OUTPUT): apply leaves the jumps
# where they stand, at 2. New ports: the new twins go in first (filter),
# then raw, then the old twins go (filter again), so that no packet is
# untracked while its twin is missing.
setup_ports() {
	local rules='*raw
-I PREROUTING 1 -p tcp -m tcp --dport 23 -j DROP
-I OUTPUT 1 -p tcp -m tcp --dport 23 -j DROP
COMMIT
*filter
-I INPUT 1 -p tcp -m tcp --dport 23 -j DROP
-I OUTPUT 1 -p tcp -m tcp --dport 23 -j DROP
COMMIT'

	rawtune apply web --port 80 &&
		iptables-legacy-restore --noflush <<<"$rules" &&
		ip6tables-legacy-restore --noflush <<<"$rules"
}
# web's rules between dns's in each of rawtune's chains (raw), web's twins
# beside dns's in FW (filter)
setup_remove() {
	local rules='*raw
-I RAWTUNE-PREROUTING 1 -p udp -m udp --dport 5353 -m comment --comment rawtune:dns -j CT --notrack
-I RAWTUNE-OUTPUT 1 -p udp -m udp --sport 5353 -m comment --comment rawtune:dns -j CT --notrack
COMMIT'

	rawtune apply web --port 80 && rawtune apply dns &&
		iptables-legacy-restore --noflush <<<"$rules" &&
		ip6tables-legacy-restore --noflush <<<"$rules"
}
setup_remove-all() { rawtune apply web --port 80 && rawtune apply dns; }
# 17 ports: web's raw rules in chains of its own (RAWTUNE-PRE-web, ...)
# behind guards; grown from 80, shrunk back to it, removed
BIG=80,8080,$(seq -s, 9000 2 9028)
setup_grow() { rawtune apply web --port 80; }
setup_shrink() { rawtune apply web --port "$BIG"; }
setup_remove-own() { rawtune apply web --port "$BIG" && rawtune apply dns; }
setup_remove-all-own() { setup_remove-own; }
# a firewall left half changed: the twins for 8080 committed, their undo refused
setup_half() {
	local said

	rawtune apply web --port 80 || return 1
	said=$(LD_PRELOAD="$SHIM" RAWTUNE_FAULT_REPLACE=3 RAWTUNE_FAULT_ERRNO=ENOMEM \
		RAWTUNE_FAULT_REPEAT=all "$RAWTUNE" apply web --port 8080 2>&1)
	[[ $said == *"could not undo"* ]]
}

rawtune() {
	"$RAWTUNE" "$@" >/dev/null
}

# build NAME: the state scenario NAME starts from, made by setup_NAME, saved
# for prepare.
build() {
	iptables-legacy-restore <"$TEST_TMP/rules4" || fail "cannot load the IPv4 ruleset"
	ip6tables-legacy-restore <"$TEST_TMP/rules6" || fail "cannot load the IPv6 ruleset"
	"setup_$1" || fail "$1: setup failed"
	iptables-legacy-save >"$TEST_TMP/$1.4" && ip6tables-legacy-save >"$TEST_TMP/$1.6" ||
		fail "$1: cannot save the rules"
	state=$1
}

# prepare NAME: restore the state that build NAME saved (cheaper than making
# it again), unless the rules are known to be that already.
prepare() {
	[ "$state" = "$1" ] && return
	iptables-legacy-restore <"$TEST_TMP/$1.4" && ip6tables-legacy-restore <"$TEST_TMP/$1.6" ||
		fail "$1: cannot restore the rules"
	state=$1
}

# fault N ERRNO REPEAT ARGS...: run rawtune ARGS with the shim failing REPEAT
# replaces from the Nth on (N=0: none). Sets $status, $err (its stderr) and
# $log (one line per replace); $case names it for messages.
fault() {
	local n=$1 errno=$2 repeat=$3

	shift 3
	case="$scenario: $errno x$repeat from replace $n"
	: >"$TEST_TMP/log"
	status=0
	LD_PRELOAD="$SHIM" RAWTUNE_FAULT_LOG="$TEST_TMP/log" RAWTUNE_FAULT_REPLACE="$n" \
		RAWTUNE_FAULT_ERRNO="$errno" RAWTUNE_FAULT_REPEAT="$repeat" \
		"$RAWTUNE" "$@" >/dev/null 2>"$TEST_TMP/err" || status=$?
	IFS= read -r -d '' err <"$TEST_TMP/err"
	mapfile -t log <"$TEST_TMP/log"
	state=unknown
}

# The case, what rawtune said and the replaces it made, for a failed assertion.
failed() {
	fail "$(printf '%s: %s\n--- stderr:\n%s--- replaces:\n' "$case" "$1" "$err"
		printf '%s\n' "${log[@]}")"
}

expect_status() {
	[ "$status" -eq "$1" ] || failed "exit status $status, want $1"
}

expect_said() {
	[[ $err == *"$1"* ]] || failed "stderr does not say '$1'"
}

expect_not_said() {
	[[ $err != *"$1"* ]] || failed "stderr says '$1'"
}

expect_replaces() {
	[ "${#log[@]}" -eq "$1" ] || failed "${#log[@]} replaces, want $1"
}

# The rules as save_all shows them, into $rules, in two processes rather
# than a dozen: this test reads them some hundred times. The tables exist
# from the first restore on, so the kernel lists them in a fixed order.
read_rules() {
	local line

	rules=
	while IFS= read -r line; do
		[[ $line == '# '* ]] && continue
		[[ $line =~ ^(:.*)\[[0-9]+:[0-9]+\]$ ]] && line="${BASH_REMATCH[1]}[0:0]"
		rules+=$line$'\n'
	done < <(echo "## ipv4"; iptables-legacy-save; echo "## ipv6"; exec ip6tables-legacy-save)
}

# expect_rules before|after: the rules are what they were before the
# operation, or what the operation makes without faults.
expect_rules() {
	read_rules
	if [ "$rules" != "${want_rules[$1]}" ]; then
		diff -u <(printf '%s' "${want_rules[$1]}") <(printf '%s' "$rules") >&2
		failed "the rules differ from $1 (above: - want, + got)"
	fi
	[ "$1" = before ] && state=$scenario
	return 0
}

# expect_undone N: the tables committed before replace N, and only those,
# were undone; a table committed twice is undone once, to its first state.
expect_undone() {
	local i undone=0 undid="undid the change" said
	local -A seen=()

	for ((i = 0; i < $1 - 1; i++)); do
		[ -n "${seen[${table[i]}]:-}" ] && continue
		seen[${table[i]}]=1
		expect_said "undid the change to the ${table[i]} table"
		undone=$((undone + 1))
	done
	said=${err//"$undid"/}
	[ $(((${#err} - ${#said}) / ${#undid})) -eq "$undone" ] ||
		failed "want $undone tables undone: $(IFS=,; echo "${table[*]:0:$1-1}")"
}

# run_scenario NAME WANT ARGS...: fail each of the WANT replaces of
# "rawtune ARGS" in turn, in the state that setup_NAME makes.
run_scenario() {
	local want=$2 n t attempts family name
	local -a table
	local -A want_rules

	scenario=$1
	shift 2
	build "$scenario"
	read_rules
	[ "$rules" = "$(save_all)"$'\n' ] || fail "read_rules and save_all disagree"
	want_rules[before]=$rules
	fault 0 EPERM 1 "$@"
	expect_status 0
	read_rules
	want_rules[after]=$rules
	# "ipv4 raw" for each replace, in order
	for t in "${log[@]}"; do
		read -r _ _ family name _ <<<"$t"
		table+=("$family $name")
	done
	expect_replaces "$want"
	# rawtune takes rules restored from a save for its own, as the ones it made
	prepare "$scenario"
	expect_rules before
	fault 0 EPERM 1 "$@"
	expect_status 0
	expect_replaces "$want"
	expect_rules after
	pass "$scenario: rawtune $* replaces $want tables: $(IFS=,; echo "${table[*]}")"

	for ((n = 1; n <= want; n++)); do
		t=${table[n - 1]}

		# One refusal: exit 1 naming the table, what was committed undone.
		prepare "$scenario"
		fault "$n" EPERM 1 "$@"
		expect_status 1
		expect_said "cannot commit the $t table"
		expect_not_said "could not undo"
		expect_undone "$n"
		expect_rules before

		# EAGAIN for ever: rawtune gives up after a bounded number of
		# attempts. The undo is refused too, unless nothing was committed.
		if [ "$n" -eq 1 ] || [ "$n" -eq "$want" ]; then
			fault "$n" EAGAIN all "$@"
			expect_status 1
			expect_said "the $t table kept changing while rawtune committed it"
			[[ $err =~ kept\ changing.*\(([0-9]+)\ attempts\) ]] ||
				failed "how many attempts?"
			attempts=${BASH_REMATCH[1]}
			if [ "$n" -eq 1 ]; then
				expect_not_said "could not undo"
				expect_rules before
			else
				expect_said "could not undo the change"
			fi
		fi

		# EAGAIN on each attempt at one table, not on the undo: all undone.
		prepare "$scenario"
		fault "$n" EAGAIN "$attempts" "$@"
		expect_status 1
		expect_said "the $t table kept changing"
		expect_not_said "could not undo"
		expect_undone "$n"
		expect_rules before

		# Every replace refused, the undo's too: rawtune says that the
		# firewall is left half changed; running the command again repairs it.
		fault "$n" ENOMEM all "$@"
		expect_status 1
		expect_said "cannot commit the $t table"
		if [ "$n" -eq 1 ]; then
			expect_not_said "could not undo"
			expect_rules before
		else
			expect_said "could not undo the change"
			fault 0 EPERM 1 "$@"
			expect_status 0
			expect_rules after
		fi

		# One EAGAIN: read again, retried, done as without faults.
		prepare "$scenario"
		fault "$n" EAGAIN 1 "$@"
		expect_status 0
		expect_replaces $((want + 1))
		expect_rules after
	done

	# One EAGAIN fewer than makes rawtune give up: the last attempt goes through.
	prepare "$scenario"
	fault "$want" EAGAIN $((attempts - 1)) "$@"
	expect_status 0
	expect_replaces $((want + attempts - 1))
	expect_rules after
	pass "$scenario: each replace failing in turn leaves the rules as they were"
}

# The raw jumps of the ports scenario, after apply: still at 2, below the user's rule.
jumps_stay() {
	local family cmd chain

	for family in 4 6; do
		cmd=iptables-legacy
		[ $family = 6 ] && cmd=ip6tables-legacy
		for chain in PREROUTING OUTPUT; do
			[ "$($cmd -t raw -S $chain | sed -n 3p)" = "-A $chain -m comment --comment rawtune -j RAWTUNE-$chain" ] ||
				fail "ports: ipv$family raw $chain: the jump moved: $($cmd -t raw -S $chain)"
		done
	done
	pass "ports: the raw jumps stay where they stand, below the user's rules"
}

# Each scenario in a subshell: one that fails does not keep the others from
# being tried; the test fails at the end, naming them.
failed_scenarios=()
scenario() {
	local name=$1

	( run_scenario "$@" && if [ "$name" = ports ]; then jumps_stay; fi ) ||
		failed_scenarios+=("$name")
	state=unknown
}

scenario apply 4 apply web --port 80
scenario upgrade 6 apply web --port 80
scenario remove 4 remove web
scenario remove-all 4 remove --all
scenario ports 6 apply web --port 8080
# raw, then the twins of 80 go (filter): 2 + 2
scenario half 4 apply web --port 8080
# the new twins (filter), raw with the own chains, the old twins go (filter): 2 + 2 + 2
scenario grow 6 apply web --port "$BIG"
# the same the other way: raw's own chains deleted
scenario shrink 6 apply web --port 80
scenario remove-own 4 remove web
scenario remove-all-own 4 remove --all
[ "${#failed_scenarios[@]}" -eq 0 ] || fail "scenarios failed (above): ${failed_scenarios[*]}"
