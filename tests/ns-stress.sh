#!/bin/bash
# Many writers at once in one namespace: rawtune applying nine profiles over
# and over with changing ports, over a stateful INPUT whose NEW accept gets
# each profile's twins, while iptables appends marker rules to the chains
# that rawtune jumps from and writes twins into, all under the one xtables
# lock. Afterwards every marker is there exactly once, each profile's raw
# rules are what --dry-run renders for its last ports and its twins are what
# apply wants (applying it again commits nothing), each raw jump is alone at
# position 1, no command failed and rawtune never had to retry a commit.
#
# Then again with some iptables writers ignoring the lock. The kernel refuses
# (EAGAIN) a replace when the table's rule count changed since it was read:
# rawtune reads again and retries, iptables gives up, and its lost markers
# are counted, not failed. A replace that keeps the count is not refused, so
# such a writer can put back a copy it read before rawtune's commit: in the
# tables that those writers write, a profile may end with the rules of one
# of its earlier applies (counted); everywhere else its rules must be right.
# STRESS_UNLOCKED names the writers without the lock (default: 0 5).
. "${TESTS_SRCDIR:?make check sets TESTS_SRCDIR}/lib.sh"
need_root_and unshare timeout iptables-legacy ip6tables-legacy iptables-legacy-save \
	ip6tables-legacy-save
enter_netns "$@"

export RAWTUNE_PROFILE_DIR="$TEST_TMP/profiles.d"
mkdir "$RAWTUNE_PROFILE_DIR"
for i in 1 2 3 4; do
	printf 'ports = %d\n' $((10000 + i)) >"$RAWTUNE_PROFILE_DIR/p$i.conf"
done
PROFILES=(web dns memcached ntp syslog p1 p2 p3 p4)
MARKERS=25 # rules appended by each iptables writer
WAIT=15    # seconds any command may wait for the lock; each runs at most 2 * WAIT
# The iptables writers: number, family, table, chain.
WRITERS=(
	"0 4 filter INPUT"
	"1 4 filter OUTPUT"
	"2 4 raw PREROUTING"
	"3 6 filter INPUT"
	"4 6 filter OUTPUT"
	"5 6 raw PREROUTING"
)
TABLES=("4 filter" "4 raw" "6 filter" "6 raw")

iptables_cmd() {
	if [ "$1" = 4 ]; then echo iptables-legacy; else echo ip6tables-legacy; fi
}

# The rounds of profile number K, PORTS[/PROTOCOLS] each: ports other than
# its own, once the same twice (nothing to commit), once other protocols
# (another number of rules).
rounds() {
	local base=$((30000 + $1 * 100))

	echo $((base + 1)) $((base + 1)) $((base + 2)),$((base + 5))/tcp,udp $((base + 4))
}

# apply_args PROFILE ROUND: rawtune's arguments for one round.
apply_args() {
	ARGS=(apply "$1" --port "${2%/*}")
	[ "${2#*/}" = "$2" ] || ARGS+=(--proto "${2#*/}")
}

# applier PROFILE K: apply PROFILE round after round; "PORTS STATUS ROUND" of
# each apply to $RUN/PROFILE.log, its stderr to $RUN/PROFILE.ROUND.err.
applier() {
	local ports round=0

	for ports in $(rounds "$2"); do
		round=$((round + 1))
		apply_args "$1" "$ports"
		timeout $((2 * WAIT)) "$RAWTUNE" "${ARGS[@]}" --wait "$WAIT" >/dev/null \
			2>"$RUN/$1.$round.err"
		echo "$ports $? $round" >>"$RUN/$1.log"
	done
}

# writer W FAMILY TABLE CHAIN [OPTION...]: append MARKERS rules, each with its
# own port and the comment writerW; each exit status to $RUN/writerW.log.
writer() {
	local w=$1 cmd table=$3 chain=$4 i
	cmd=$(iptables_cmd "$2")
	shift 4

	for ((i = 0; i < MARKERS; i++)); do
		timeout $((2 * WAIT)) "$cmd" "$@" -t "$table" -A "$chain" -p tcp \
			--dport $((20000 + w * 100 + i)) -m comment --comment "writer$w" -j ACCEPT \
			2>>"$RUN/writer$w.err"
		echo $? >>"$RUN/writer$w.log"
	done
}

# The rules as "FAMILY TABLE -A ..." lines, from iptables-restore text with
# "# ipv4"-style family headers (--dry-run) or "## ipv4" ones (save_all).
rule_lines() {
	awk '/^#+ ipv[46]$/ { f = substr($2, 4) }
		/^\*/ { t = substr($0, 2) }
		/^-A / { print f, t, $0 }'
}

# Per family, table and chain, in the chain's order.
by_chain() {
	sort -s -k1,2 -k4,4
}

# rendered PROFILE ROUND: its rules in that round, as rule_lines by chain.
rendered() {
	apply_args "$1" "$2"
	"$RAWTUNE" "${ARGS[@]}" --dry-run >"$RUN/dry-run" || fail "rawtune $* --dry-run failed"
	rule_lines <"$RUN/dry-run" | grep '^. [a-z]* -A RAWTUNE-' | by_chain
}

# stress NAME UNLOCKED...: run every applier and writer at once, the writers
# numbered UNLOCKED without the lock; then check the result.
stress() {
	local name=$1 w f table chain k pids=() start=$SECONDS
	shift

	RUN="$TEST_TMP/$name"
	UNLOCKED=" $* "
	EXPOSED=" "
	mkdir "$RUN"
	for k in "${!PROFILES[@]}"; do
		# Debug messages name each commit tried again.
		RAWTUNE_LOG=debug applier "${PROFILES[k]}" "$k" &
		pids+=($!)
	done
	for w in "${WRITERS[@]}"; do
		read -r w f table chain <<<"$w"
		if [[ $UNLOCKED == *" $w "* ]]; then
			EXPOSED+="$f-$table "
			# A lock of its own, and no -w: it never waits for anyone.
			XTABLES_LOCKFILE="$RUN/writer$w.lock" writer "$w" "$f" "$table" "$chain" &
		else
			writer "$w" "$f" "$table" "$chain" -w "$WAIT" &
		fi
		pids+=($!)
	done
	wait "${pids[@]}"
	echo "$name: $((${#PROFILES[@]} * $(rounds 0 | wc -w))) rawtune applies and" \
		"$((${#WRITERS[@]} * MARKERS)) iptables appends in $((SECONDS - start)) s"
	save_all | rule_lines >"$RUN/rules"
	check_profiles "$name"
	check_jumps "$name"
	check_markers "$name"
	# (A failure here is reported at the end: the unlocked round runs either way.)
	if [ "$name" = locked ]; then
		( check_twins "$name" ) || TWINS_FAILED=$name
	fi
	return 0
}

# Each profile's rules are exactly what --dry-run renders for the ports of
# its last successful apply; with the lock, every apply succeeded and no
# commit was retried.
check_profiles() {
	local p ports status round last retried ft known failed=0 stale=0

	for p in "${PROFILES[@]}"; do
		last=
		while read -r ports status round; do
			if [ "$status" -eq 0 ]; then
				last=$ports
				continue
			fi
			failed=$((failed + 1))
			echo "$1: rawtune apply $p ($ports) exited $status:"
			cat "$RUN/$p.$round.err"
		done <"$RUN/$p.log"
		[ -n "$last" ] || fail "$1: every apply of $p failed"
		rendered "$p" "$last" >"$RUN/$p.want"
		grep -F -- "--comment \"rawtune:$p\"" "$RUN/rules" | grep '^. [a-z]* -A RAWTUNE-' |
			by_chain >"$RUN/$p.have"
		cmp -s "$RUN/$p.want" "$RUN/$p.have" && continue
		for ft in "${TABLES[@]}"; do
			grep "^$ft " "$RUN/$p.want" >"$RUN/want"
			grep "^$ft " "$RUN/$p.have" >"$RUN/have"
			cmp -s "$RUN/want" "$RUN/have" && continue
			[[ $EXPOSED == *" ${ft/ /-} "* ]] ||
				assert_same "$RUN/want" "$RUN/have" \
					"$1: $p's rules in ipv$ft are what --dry-run renders ($last)"
			stale_copy "$1" "$p" "$ft" "$RUN/have" || fail "$1: $p's rules in ipv$ft are wrong"
			stale=$((stale + 1))
		done
	done
	known=$(IFS='|' && echo "${PROFILES[*]}")
	grep '^. [a-z]* -A RAWTUNE-' "$RUN/rules" | grep -Ev -- "--comment \"rawtune:($known)\"" &&
		fail "$1: rules in rawtune's chains (above) that belong to no profile"
	if [ "$stale" -eq 0 ]; then
		pass "$1: each profile's rules are what --dry-run renders for its last ports"
	else
		echo "$1: $stale profiles' rules in a table were written back stale by iptables" \
			"without the lock; all others are what --dry-run renders for the last ports"
	fi
	[ "$1" = unlocked ] || [ "$failed" -eq 0 ] || fail "$1: rawtune apply failed"
	[ "$failed" -eq 0 ] || echo "$1: $failed rawtune applies failed (their rules were checked)"
	retried=$(cat "$RUN"/*.err | grep -c 'changed under us')
	echo "$1: rawtune read a table again and retried its commit $retried times"
	[ "$1" = unlocked ] || [ "$retried" -eq 0 ] || fail "$1: commits retried under the lock"
}

# stale_copy NAME PROFILE "FAMILY TABLE" HAVE: HAVE, the profile's rules in
# a table that a writer without the lock writes, are not the last apply's:
# true when they are rules of its applies, each once, which is what a stale
# copy of the table written back leaves (possibly taken between two commits
# of one apply).
stale_copy() {
	local ports

	for ports in $(rounds "$(profile_number "$2")" | tr ' ' '\n' | sort -u); do
		rendered "$2" "$ports"
	done | grep "^$3 " | sort -u >"$RUN/any"
	[ -z "$(sort "$4" | uniq -d)" ] || return 1
	[ -z "$(sort -u "$4" | comm -23 - "$RUN/any")" ] || return 1
	echo "$1: $2's rules in ipv$3 are those of an earlier apply: a stale copy written back" \
		"by iptables without the lock, which the kernel cannot refuse"
	diff -u "$RUN/want" "$4" | grep '^[-+][46] ' | sed 's/^/  /'
}

profile_number() {
	local k

	for k in "${!PROFILES[@]}"; do
		[ "${PROFILES[k]}" = "$1" ] && echo "$k"
	done
}

# Each profile's twins are what apply wants for its last ports over this
# firewall: applying the same again commits nothing. (Under the lock only:
# without it, a stale copy of filter may be written back.)
check_twins() {
	local p ports status round last twins=0 out

	for p in "${PROFILES[@]}"; do
		last=
		while read -r ports status round; do
			[ "$status" -eq 0 ] && last=$ports
		done <"$RUN/$p.log"
		twins=$((twins + $(grep -F -- "--comment \"rawtune:$p\"" "$RUN/rules" |
			grep -c '^. filter -A INPUT .*--ctstate UNTRACKED .*-j ACCEPT$')))
		apply_args "$p" "$last"
		save_all >"$RUN/before-again"
		out=$("$RAWTUNE" "${ARGS[@]}" -w "$WAIT") || fail "$1: rawtune ${ARGS[*]} failed again"
		save_all | diff "$RUN/before-again" - >&2
		[[ $out == "$p: already applied (ipv4+ipv6), nothing changed" ]] ||
			fail "$1: rawtune ${ARGS[*]} again said: $out"
	done
	grep -c -- '--ctstate UNTRACKED .*-j ACCEPT$' "$RUN/rules" | grep -qx "$twins" ||
		fail "$1: twins of no profile: $(grep -- '--ctstate UNTRACKED' "$RUN/rules" | grep -v rawtune:)"
	[ "$twins" -gt 0 ] || fail "$1: no twins at all"
	pass "$1: $twins twins in INPUT; applying each profile again commits nothing"
}

# Each of rawtune's chains (raw only) is reached by one jump, at position 1,
# and filter has none: there, rawtune writes twins only.
check_jumps() {
	local f t c first

	grep -q '^. filter .*RAWTUNE' "$RUN/rules" && fail "$1: a RAWTUNE chain or jump in filter"
	for f in 4 6; do
		for t in "raw PREROUTING" "raw OUTPUT"; do
			read -r t c <<<"$t"
			[ "$(grep -c "^$f $t -A .* -j RAWTUNE-$c\$" "$RUN/rules")" -eq 1 ] ||
				fail "$1: ipv$f $t: not exactly one jump to RAWTUNE-$c"
			first=$(grep -m1 "^$f $t -A $c " "$RUN/rules")
			[ "$first" = "$f $t -A $c -m comment --comment rawtune -j RAWTUNE-$c" ] ||
				fail "$1: ipv$f $t $c starts with '$first', not rawtune's jump"
		done
	done
	grep -q -- '-j RAWTUNE-FORWARD$' "$RUN/rules" && fail "$1: a jump to RAWTUNE-FORWARD"
	pass "$1: one jump to each of rawtune's chains, at position 1"
}

# Every marker is where its writer appended it, at most once; with the lock,
# every marker is there. Without it, the lost ones are counted.
check_markers() {
	local w f table chain marker have all failed lost=0 cmdfail=0

	for w in "${WRITERS[@]}"; do
		read -r w f table chain <<<"$w"
		marker="^$f $table -A $chain -p tcp -m tcp --dport [0-9]* -m comment --comment writer$w"
		all=$(grep -c -- "--comment writer$w " "$RUN/rules")
		have=$(grep -- "$marker -j ACCEPT\$" "$RUN/rules" | sort -u | wc -l)
		failed=$(grep -vcx 0 "$RUN/writer$w.log")
		[ "$all" -eq "$have" ] ||
			fail "$1: writer$w: $all rules, $have distinct in ipv$f $table $chain"
		[ "$have" -le "$MARKERS" ] || fail "$1: writer$w: $have markers of $MARKERS"
		if [ "$1" = locked ]; then
			[ "$failed" -eq 0 ] ||
				fail "$1: writer$w: $failed iptables commands failed: $(sort -u "$RUN/writer$w.err")"
			[ "$have" -eq "$MARKERS" ] || fail "$1: writer$w: $have markers of $MARKERS"
		fi
		lost=$((lost + MARKERS - have))
		cmdfail=$((cmdfail + failed))
	done
	if [ "$1" = locked ]; then
		pass "$1: every marker rule of every iptables writer is there, once"
		return
	fi
	echo "$1: iptables lost $lost of $((${#WRITERS[@]} * MARKERS)) marker rules" \
		"($cmdfail iptables commands failed), writers ${UNLOCKED:1:-1} not taking the lock:"
	sort "$RUN"/writer*.err | uniq -c | sed 's/^/  /'
}

# Both tables of both families exist and are empty, but for filter's INPUT:
# a stateful firewall (policy DROP, a NEW accept) that needs twins.
instantiate() {
	local f t cmd

	for f in 4 6; do
		cmd=$(iptables_cmd $f)
		for t in filter raw; do
			$cmd -w -t "$t" -F || fail "cannot flush the ipv$f $t table"
			$cmd -w -t "$t" -X || fail "cannot delete the ipv$f $t table's chains"
		done
		$cmd -w -P INPUT DROP &&
			$cmd -w -A INPUT -i lo -j ACCEPT &&
			$cmd -w -A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT &&
			$cmd -w -A INPUT -m conntrack --ctstate NEW -j ACCEPT ||
			fail "cannot load the ipv$f firewall"
	done
}

TWINS_FAILED=
instantiate
stress locked

"$RAWTUNE" remove --all >/dev/null || fail "remove --all failed"
instantiate
stress unlocked ${STRESS_UNLOCKED:-0 5}
[ -z "$TWINS_FAILED" ] || fail "$TWINS_FAILED: the twins are not what apply wants (above)"
