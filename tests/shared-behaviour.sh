# What both backends share, written once and run once per backend by
# tests/ns-shared-legacy.sh and tests/ns-shared-nft.sh, which set
# RAWTUNE_BACKEND and source this file (sourced, not a test of its own).
#
# Three namespaces: a client C, a host H that serves and routes, a far
# server F behind H. Real requests and datagrams, the conntrack entries
# they leave in H, what rawtune says (exit codes, its lines, status and
# status --json) and the rules in the kernel:
# - apply untracks a port over IPv4, IPv6 and loopback, and a UDP port
#   for a datagram from a chosen source port; an unprofiled port stays
#   tracked; status and status --json name the backend and the rules;
# - a second apply commits nothing; other ports replace only that
#   profile's rules; -4 keeps IPv6 tracked; remove takes everything away;
# - a client profile needs peers and untracks only them; a forward profile
#   needs peers and untracks the flows it routes to them;
# - a server profile with an IPv4 peer untracks, judges and flushes nothing
#   over IPv6 or of other clients: an ip6 chain that would drop untracked
#   packets does not stop it, and those flows keep their entries;
# - the NAT guard refuses a port that legacy or nf_tables NAT redirects;
# - a commit the kernel refuses leaves the rules as they were, a raced one
#   is retried;
# - nft -f, iptables-nft and iptables-legacy writers beside applies and
#   removes: all their rules survive, rawtune's are exactly the plan.
# Where the backends differ by design (how many rules, how many commits,
# how a refusal is provoked and worded) it is in the functions just below.
. "${TESTS_SRCDIR:?make check sets TESTS_SRCDIR}/lib.sh"
. "$TESTS_SRCDIR/probe.sh"
need_root_and ip nginx ab socat conntrack python3 nft iptables-nft iptables-legacy \
	iptables-legacy-save ip6tables-legacy-save
need_shim fault-shim
netns_setup
unwrap_rawtune

# ---- the differences, by design ------------------------------------------------

# planned CASE: how many rules rawtune writes. Legacy writes a rule for
# both families in each family's table; nf_tables writes one inet rule for
# both. A rule for one family (-4, a peer's address) is one rule in either.
planned() {
	local tables=1

	case $1 in
	# SYN count, notrack in, notrack out, loopback
	web-4) echo 4; return ;;
	# a peer of each family: SYN count and notrack out, notrack of replies
	fetch) echo 6; return ;;
	# an IPv4 peer: SYN count and notrack towards it, notrack of replies
	routed | peer4) echo 3; return ;;
	esac
	[ "$RAWTUNE_BACKEND" = legacy ] && tables=2
	case $1 in
	web | web-2) echo $((tables * 4)) ;;
	dns) echo $((tables * 7)) ;; # web's TCP; UDP in, out and loopback
	esac
}

# commits_planned: table replaces (legacy: raw of each family) or batches
# (nf_tables: one) of an apply with no firewall to twin.
commits_planned() {
	case $RAWTUNE_BACKEND in
	legacy) echo 2 ;;
	nft) echo 1 ;;
	esac
}

# fault_env refused|raced|racing: the environment in which the kernel
# refuses rawtune's last commit of an apply (legacy: the second replace, the
# first one being committed; nf_tables: the batch, after running all but its
# last message), refuses the first one as raced (legacy: EAGAIN; nf_tables:
# ERESTART for a stale generation), or refuses every one as raced.
fault_env() {
	local repeat=1

	[ "$1" = racing ] && repeat=all
	echo "LD_PRELOAD=$SHIM" "RAWTUNE_FAULT_REPEAT=$repeat"
	case $RAWTUNE_BACKEND:$1 in
	legacy:refused) echo RAWTUNE_FAULT_REPLACE=2 RAWTUNE_FAULT_ERRNO=EPERM ;;
	legacy:*) echo RAWTUNE_FAULT_REPLACE=1 RAWTUNE_FAULT_ERRNO=EAGAIN ;;
	nft:refused) echo RAWTUNE_FAULT_BATCH=1 RAWTUNE_FAULT_BATCH_HOW=last ;;
	nft:*) echo RAWTUNE_FAULT_BATCH=1 RAWTUNE_FAULT_BATCH_HOW=stale ;;
	esac
}

# ---- the hosts ------------------------------------------------------------------
# C 10.231.1.2 fd31:1::2 (hc) H 10.231.2.1 fd31:2::1 (hf) F 10.231.2.2 fd31:2::2
#   10.231.1.1 fd31:1::1       H routes between them for IPv4
N=20
netns_add C client
netns_add H host
netns_add F far
netns_link "$C" ch 10.231.1.2/24 "$H" hc 10.231.1.1/24
netns_link "$H" hf 10.231.2.1/24 "$F" fh 10.231.2.2/24
ip -n "$C" addr add fd31:1::2/64 dev ch nodad
ip -n "$H" addr add fd31:1::1/64 dev hc nodad
ip -n "$H" addr add fd31:2::1/64 dev hf nodad
ip -n "$F" addr add fd31:2::2/64 dev fh nodad
ip -n "$C" route add default via 10.231.1.1
ip -n "$F" route add default via 10.231.2.1
ip netns exec "$H" sysctl -qw net.ipv4.ip_forward=1
start_nginx "$H" "8080; listen [::]:8080; listen 8081; listen [::]:8081; listen 8082" host
start_nginx "$F" 10.231.2.2:80 far
start_nginx "$C" 10.231.1.2:80 near
serve "$H" udp 53
serve "$H" udp 5300
H() { ip netns exec "$H" "$@"; }
rawtune() { H "$RAWTUNE" "$@"; }
# A firewall that accepts everything, and reads conntrack: that read is what
# makes the kernel track in this namespace at all (no hook otherwise).
H nft -f - <<'NFT' || fail "cannot load H's firewall"
table inet fw {
	chain input {
		type filter hook input priority filter; policy accept;
		ct state established,related accept
	}
}
NFT
export RAWTUNE_PROFILE_DIR="$TEST_TMP/profiles.d"
mkdir -p "$RAWTUNE_PROFILE_DIR"
chmod 0755 "$TEST_TMP" "$RAWTUNE_PROFILE_DIR"

# entries PROTO PORT: H's conntrack entries for destination port PORT,
# both families.
entries() {
	{
		H conntrack -L -p "$1" --dport "$2"
		H conntrack -L -f ipv6 -p "$1" --dport "$2"
	} 2>/dev/null | grep -c . || true
}

# served NS URL WHAT: all N requests from NS to URL complete
served() {
	local completed

	completed=$(requests "$1" "$2" $N)
	[ "$completed" = "$N" ] || fail "$3: ${completed:-0} of $N requests to $2 completed"
}

# untracked WHAT NS URL...: every request answered, no entry left for the
# port; tracked WHAT NS URL...: every request answered, entries left. The
# URLs name one port (80 when none).
flows() {
	local want=$1 what=$2 ns=$3 url port n

	shift 3
	H conntrack -F 2>/dev/null
	for url in "$@"; do
		served "$ns" "$url" "$what"
	done
	port=80
	[[ $url =~ :([0-9]+)/ ]] && port=${BASH_REMATCH[1]}
	n=$(entries tcp "$port")
	if [ "$want" = untracked ]; then
		[ "$n" -eq 0 ] || fail "$what: $n conntrack entries for port $port, want 0"
	else
		[ "$n" -ge $N ] ||
			fail "$what: $n conntrack entries for port $port, want at least $N"
	fi
	pass "$what: $# x $N requests answered, $n conntrack entries for port $port"
}
untracked() { flows untracked "$@"; }
tracked() { flows tracked "$@"; }

V4=http://10.231.1.1 V6='http://[fd31:1::1]'

# said WHAT STATUS WANT: rawtune's exit status was STATUS, its output
# ($TEST_TMP/out) one line, WANT (a pattern for grep -x) after the count of
# conntrack entries that apply deletes for the ports it untracks, and what
# it wrote on stderr ($TEST_TMP/err), if anything, were rawtune: lines.
said() {
	[ "$2" -eq 0 ] || fail "$1: exit $2: $(cat "$TEST_TMP/out" "$TEST_TMP/err")"
	if [ "$(wc -l <"$TEST_TMP/out")" -ne 1 ] ||
		! sed 's/; [0-9]* conntrack entr[a-z]* deleted$//' "$TEST_TMP/out" | grep -qx -- "$3"; then
		fail "$1: said '$(cat "$TEST_TMP/out")', want '$3'"
	fi
	grep -v '^rawtune: ' "$TEST_TMP/err" && fail "$1: not rawtune's lines on stderr (above)"
	return 0
}

# everything in H's tables: legacy (both families) and nf_tables
all_rules() {
	legacy_saved "$H"
	H nft list ruleset | sed 's/ counter packets [0-9]* bytes [0-9]*/ counter/'
}

# refused WHAT PATTERN CMD...: CMD (rawtune, run in H) exits 1, saying only
# rawtune: lines, the last matching PATTERN, and changes no rule at all.
refused() {
	local what=$1 pattern=$2 st=0

	shift 2
	all_rules >"$TEST_TMP/before"
	"$@" >"$TEST_TMP/out" 2>"$TEST_TMP/err" || st=$?
	[ $st -eq 1 ] || fail "$what: $* exit $st, want 1: $(cat "$TEST_TMP/out" "$TEST_TMP/err")"
	grep -qv '^rawtune: ' "$TEST_TMP/err" &&
		fail "$what: a line not from rawtune: $(cat "$TEST_TMP/err")"
	tail -n 1 "$TEST_TMP/err" | grep -q -- "$pattern" || fail "$what: $(cat "$TEST_TMP/err")"
	all_rules >"$TEST_TMP/after"
	assert_same "$TEST_TMP/before" "$TEST_TMP/after" \
		"$what: refused ($(tail -n 1 "$TEST_TMP/err")), no rule changed"
}

# commits ARGS...: how many commits (table replaces, nf_tables batches)
# rawtune ARGS made, as the shim saw them; its output in out and err.
commits() {
	: >"$TEST_TMP/commits"
	H env LD_PRELOAD="$SHIM" RAWTUNE_FAULT_LOG="$TEST_TMP/commits" "$RAWTUNE" "$@" \
		>"$TEST_TMP/out" 2>"$TEST_TMP/err" ||
		fail "rawtune $*: $(cat "$TEST_TMP/out" "$TEST_TMP/err")"
	grep -c . "$TEST_TMP/commits" || true
}

# ---- apply: IPv4, IPv6, loopback, an unprofiled port ----------------------------
tracked "before apply" "$C" "$V4:8080/" "$V6:8080/"
n=$(commits apply web --port 8080)
[ "$n" -eq "$(commits_planned)" ] || fail "apply made $n commits, want $(commits_planned)"
said "apply web" 0 "web: $(planned web) rules added, ipv4+ipv6"
[ "$(rule_count web "$H")" -eq "$(planned web)" ] ||
	fail "want $(planned web) rules of web in the kernel: $(rules_of web "$H")"
rules_of web "$H" >"$TEST_TMP/web-8080"
for p in 'dport 8080 .*notrack' 'sport 8080 .*notrack'; do
	grep -q "$p" "$TEST_TMP/web-8080" || fail "no rule '$p': $(cat "$TEST_TMP/web-8080")"
done
pass "apply web --port 8080: $(planned web) rules in the kernel, $n commits"
untracked "web, remote client" "$C" "$V4:8080/" "$V6:8080/"
untracked "web, loopback" "$H" http://127.0.0.1:8080/ 'http://[::1]:8080/'
tracked "web, an unprofiled port" "$C" "$V4:8081/" "$V6:8081/"

# ---- status and status --json read the same rules --------------------------------
st=0
rawtune status >"$TEST_TMP/status" 2>&1 || st=$?
[ $st -eq 0 ] || fail "status exit $st: $(cat "$TEST_TMP/status")"
printf '%s\n' "backend: $RAWTUNE_BACKEND (chosen with RAWTUNE_BACKEND)" \
	"web: applied, ipv4+ipv6, $(planned web) rules" |
	diff -u - <(sed -n 1,2p "$TEST_TMP/status") || fail "status header (above: - want, + got)"
# a rule a line: "  FAMILY TABLE  N pkts  N bytes  RULE" (FAMILY ipv4+ipv6 for an inet rule)
n=$(grep -cE '^  ipv[46+ipv]* [a-z]+ +[0-9]+ pkts +[0-9]+ bytes  ' "$TEST_TMP/status")
[ "$n" -eq "$(planned web)" ] || fail "status lists $n rules: $(cat "$TEST_TMP/status")"
rawtune status --json >"$TEST_TMP/status.json" || fail "status --json failed"
python3 - "$TEST_TMP/status.json" "$RAWTUNE_BACKEND" "$(planned web)" "$N" <<'PY' ||
import json, sys
doc = json.load(open(sys.argv[1]))
backend, rules, n = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
assert doc["backend"] == backend, doc["backend"]
(p,) = doc["profiles"]
assert (p["name"], p["state"], p["backend"]) == ("web", "applied", backend), p
assert p["ports"] == "8080", p["ports"]
assert p["families"] == ["ipv4", "ipv6"], p["families"]
assert len(p["rules"]) == rules, p["rules"]
# the flows of the requests above: 2 x N remote, 2 x N over loopback
assert p["saved"] >= 4 * n, ("saved", p["saved"])
PY
	fail "status --json (above)"
pass "status and status --json: backend $RAWTUNE_BACKEND, web applied, $(planned web) rules"

# ---- idempotency, other ports, another profile -----------------------------------
n=$(commits apply web --port 8080)
[ "$n" -eq 0 ] || fail "a second apply made $n commits, want 0"
said "apply web again" 0 "web: already applied (ipv4+ipv6), nothing changed"
assert_same "$TEST_TMP/web-8080" <(rules_of web "$H") \
	"a second apply commits nothing, the rules stay"

rawtune apply dns >"$TEST_TMP/out" 2>"$TEST_TMP/err"
said "apply dns" $? "dns: $(planned dns) rules added, ipv4+ipv6"
rules_of dns "$H" >"$TEST_TMP/dns"
rawtune apply web --port 8080,8082 >"$TEST_TMP/out" 2>"$TEST_TMP/err"
said "web on other ports" $? \
	"web: $(planned web-2) rules added, $(planned web) removed, ipv4+ipv6"
assert_same "$TEST_TMP/dns" <(rules_of dns "$H") \
	"other ports for web leave dns's rules as they were"
untracked "web on 8080 and 8082, port 8082" "$C" "$V4:8082/"
untracked "web on 8080 and 8082, port 8080" "$C" "$V4:8080/" "$V6:8080/"

# ---- UDP from a chosen source port -----------------------------------------------
H conntrack -F 2>/dev/null
expect "dns, a datagram from source port 5353" pass "$C" udp 10.231.1.1 53 5353
expect "dns, over IPv6" pass "$C" udp fd31:1::1 53 5353
expect "an unprofiled UDP port" pass "$C" udp 10.231.1.1 5300 5353
n=$(entries udp 53)
[ "$n" -eq 0 ] || fail "dns: $n conntrack entries for udp 53, want 0"
n=$(entries udp 5300)
[ "$n" -gt 0 ] || fail "no conntrack entry for udp 5300: the test sees nothing"
pass "dns: no conntrack entry for udp 53, $n for the unprofiled 5300"

# ---- -4: IPv6 tracked again -------------------------------------------------------
rawtune apply web --port 8080 -4 >"$TEST_TMP/out" 2>"$TEST_TMP/err"
said "apply -4" $? "web: $(planned web-4) rules added, $(planned web-2) removed, ipv4"
untracked "web -4, IPv4" "$C" "$V4:8080/"
tracked "web -4, IPv6" "$C" "$V6:8080/"

# ---- remove ------------------------------------------------------------------------
rawtune remove web >"$TEST_TMP/out" 2>"$TEST_TMP/err"
said "remove web" $? "web: $(planned web-4) rules removed"
[ "$(rule_count web "$H")" -eq 0 ] || fail "web's rules left: $(rules_of web "$H")"
assert_same "$TEST_TMP/dns" <(rules_of dns "$H") "remove web leaves dns's rules as they were"
tracked "web removed" "$C" "$V4:8080/" "$V6:8080/"
rawtune remove web >"$TEST_TMP/out" 2>"$TEST_TMP/err"
said "remove web again" $? "web: not applied, nothing removed"
rawtune remove dns >"$TEST_TMP/out" 2>"$TEST_TMP/err"
said "remove dns" $? "dns: $(planned dns) rules removed"
no_rules_left "after the last remove" "$H"
st=0
rawtune status >"$TEST_TMP/status" 2>&1 || st=$?
if [ $st -ne 0 ] || [ "$(sed -n 2p "$TEST_TMP/status")" != "no profile applied" ]; then
	fail "status after remove: exit $st: $(cat "$TEST_TMP/status")"
fi
rawtune status --json | python3 -c '
import json, sys
doc = json.load(sys.stdin)
assert doc["profiles"] == [] and doc["leftovers"] == [], doc' ||
	fail "status --json after remove (above)"
pass "remove: nothing of rawtune left in the kernel, status lists no profile"

# ---- a client profile: peers needed, only they untracked -------------------------
printf 'ports = 80\ndirection = client\n' >"$RAWTUNE_PROFILE_DIR/fetch.conf"
refused "a client profile without peers" "^rawtune: fetch: a client profile needs 'peers ='" \
	rawtune apply fetch
echo 'peers = 10.231.2.2, fd31:2::2' >>"$RAWTUNE_PROFILE_DIR/fetch.conf"
rawtune apply fetch >"$TEST_TMP/out" 2>"$TEST_TMP/err"
said "apply fetch" $? "fetch: $(planned fetch) rules added, ipv4+ipv6"
untracked "fetch, this host to its peer" "$H" http://10.231.2.2/
tracked "fetch, this host to another host's port 80" "$H" http://10.231.1.2/
rawtune remove fetch >/dev/null || fail "remove fetch"

# ---- a forward profile: C to F through H ------------------------------------------
printf 'ports = 80\nprotocols = tcp\nforward = yes\ninterfaces = hc\n' \
	>"$RAWTUNE_PROFILE_DIR/routed.conf"
refused "forward without peers" "needs 'peers ='" rawtune apply routed
echo 'peers = 10.231.2.2' >>"$RAWTUNE_PROFILE_DIR/routed.conf"
tracked "routed, before apply" "$C" http://10.231.2.2/
rawtune apply routed >"$TEST_TMP/out" 2>"$TEST_TMP/err"
# the families of its rules: its peer's, as status says
said "apply routed" $? "routed: $(planned routed) rules added, ipv4"
untracked "routed, C to F through H" "$C" http://10.231.2.2/
rawtune remove routed >/dev/null || fail "remove routed"
no_rules_left "client and forward profiles removed" "$H"

# ---- a server profile with an IPv4 peer: nothing of it over IPv6 -----------------
# An ip6 chain that drops untracked IPv6 packets of 8081 is not judged: the
# profile untracks none. The flush deletes the peer's entries only: those
# of IPv6 and of another client (over loopback) stay.
H nft -f - <<'NFT' || fail "cannot load H's ip6 firewall"
table ip6 fw6 {
	chain input {
		type filter hook input priority filter; policy accept;
		ct state established,related accept
		tcp dport 8081 ct state new accept
		tcp dport 8081 drop
	}
}
NFT
printf 'ports = 8081\npeers = 10.231.1.2\n' >"$RAWTUNE_PROFILE_DIR/peer4.conf"
from() { # FAMILY SOURCE: H's entries of port 8081 from SOURCE
	H conntrack -L -f "$1" -p tcp --dport 8081 -s "$2" 2>/dev/null | grep -c . || true
}
H conntrack -F 2>/dev/null
served "$C" "$V4:8081/" "peer4 before apply, the peer"
served "$C" "$V6:8081/" "peer4 before apply, IPv6"
served "$H" http://127.0.0.1:8081/ "peer4 before apply, another client"
peer=$(from ipv4 10.231.1.2) v6=$(from ipv6 fd31:1::2) lo=$(from ipv4 127.0.0.1)
[ "$peer" -ge $N ] && [ "$v6" -ge $N ] && [ "$lo" -ge $N ] ||
	fail "peer4 before apply: $peer/$v6/$lo entries of the peer/IPv6/loopback, want $N each"
rawtune apply peer4 >"$TEST_TMP/out" 2>"$TEST_TMP/err"
said "apply peer4" $? "peer4: $(planned peer4) rules added, ipv4"
grep -qx "peer4: .*; $peer conntrack entries deleted" "$TEST_TMP/out" ||
	fail "apply peer4 said '$(cat "$TEST_TMP/out")', want $peer entries deleted (the peer's)"
[ "$(from ipv4 10.231.1.2)" -eq 0 ] && [ "$(from ipv6 fd31:1::2)" -eq "$v6" ] &&
	[ "$(from ipv4 127.0.0.1)" -eq "$lo" ] ||
	fail "after apply peer4: $(from ipv4 10.231.1.2)/$(from ipv6 fd31:1::2)/$(from ipv4 127.0.0.1)" \
		"entries of the peer/IPv6/loopback, want 0/$v6/$lo"
pass "apply peer4: the peer's $peer entries deleted, IPv6's $v6 and loopback's $lo kept"
[ "$(rule_count peer4 "$H")" -eq "$(planned peer4)" ] ||
	fail "want $(planned peer4) rules of peer4: $(rules_of peer4 "$H")"
rules_of peer4 "$H" | grep -qiE '^ipv6|ip6|fd31' && fail "peer4 has IPv6 rules: $(rules_of peer4 "$H")"
rawtune status peer4 >"$TEST_TMP/status" 2>&1 || fail "status peer4: $(cat "$TEST_TMP/status")"
grep -qx "peer4: applied, ipv4, $(planned peer4) rules" "$TEST_TMP/status" ||
	fail "status peer4: $(cat "$TEST_TMP/status")"
pass "peer4: $(planned peer4) rules, none for IPv6; status says ipv4"
untracked "peer4, the peer" "$C" "$V4:8081/"
tracked "peer4, IPv6" "$C" "$V6:8081/"
tracked "peer4, another client" "$H" http://127.0.0.1:8081/
rawtune remove peer4 >/dev/null || fail "remove peer4"
H nft delete table ip6 fw6 || fail "cannot delete H's ip6 firewall"
no_rules_left "peer4 removed" "$H"

# ---- the NAT guard, over legacy and nf_tables NAT ---------------------------------
# Port 8083 is redirected to nginx's 8080: untracked, it would not be.
nat_guard() { # WHAT: a nat rule for 8083 is in place
	served "$C" "$V4:8083/" "$1, before apply"
	refused "$1" "NAT applies to its traffic.*use --force" rawtune apply web --port 8083
	served "$C" "$V4:8083/" "$1, after the refused apply"
	rawtune apply web --port 8083 --force >"$TEST_TMP/out" 2>&1 ||
		fail "$1: --force: $(cat "$TEST_TMP/out")"
	[ "$(rule_count web "$H")" -eq "$(planned web)" ] ||
		fail "$1: --force applied $(rule_count web "$H") rules"
	rawtune remove web >/dev/null || fail "$1: remove"
	pass "$1: --force applies anyway"
}
H iptables-legacy -t nat -A PREROUTING -p tcp --dport 8083 -j REDIRECT --to-ports 8080
nat_guard "a legacy REDIRECT of 8083"
H iptables-legacy -t nat -F PREROUTING
H nft -f - <<'NFT' || fail "cannot load the nft nat rules"
table ip nat {
	chain prerouting {
		type nat hook prerouting priority dstnat;
		tcp dport 8083 redirect to :8080
	}
}
NFT
nat_guard "an nf_tables redirect of 8083"
H nft delete table ip nat

# ---- a commit refused, a commit raced ----------------------------------------------
rawtune apply web --port 8080 >/dev/null || fail "apply web before the faults"
# fault KIND ARGS...: rawtune ARGS with the kernel refusing as fault_env KIND says
fault() {
	local kind=$1

	shift
	: >"$TEST_TMP/commits"
	# shellcheck disable=SC2046 # fault_env's words are the environment
	H env $(fault_env "$kind") RAWTUNE_FAULT_LOG="$TEST_TMP/commits" "$RAWTUNE" "$@"
}
refused "the kernel refuses the last commit" "^rawtune: web: cannot" \
	fault refused apply web --port 8081
untracked "after the refused commit, 8080" "$C" "$V4:8080/" "$V6:8080/"
tracked "after the refused commit, 8081" "$C" "$V4:8081/"
refused "every commit raced" "kept changing" fault racing apply web --port 8081
untracked "after the raced commits, 8080" "$C" "$V4:8080/"
fault raced apply web --port 8081 >"$TEST_TMP/out" 2>&1 ||
	fail "one raced commit: $(cat "$TEST_TMP/out")"
n=$(grep -c . "$TEST_TMP/commits")
[ "$n" -eq $(($(commits_planned) + 1)) ] ||
	fail "one raced commit: $n commits, want $(($(commits_planned) + 1)): $(cat "$TEST_TMP/commits")"
rules_of web "$H" | grep -q 'dport 8081 .*notrack' ||
	fail "one raced commit: web is not on 8081: $(rules_of web "$H")"
untracked "one raced commit, retried" "$C" "$V4:8081/"

# ---- other writers beside rawtune --------------------------------------------------
# Each writer commits W rules, one a commit, into its own chain: nft -f
# (nf_tables), iptables-nft (its ip filter table), iptables-legacy under the
# xtables lock (the raw table that the legacy backend commits too).
W=40
H nft -f - <<<$'add table inet other\nadd chain inet other c' || fail "nft writer's table"
H iptables-nft -w -N OTHER || fail "iptables-nft writer's chain"
H iptables-legacy -w -t raw -N OTHER || fail "iptables-legacy writer's chain"
writer() { # PORT-BASE COMMAND (with $port)
	H bash -c "for i in \$(seq $W); do port=\$(($1 + i)); $2 || exit 1; done" &
	writers+=($!)
}
writers=()
writer 10000 "nft -f - <<<\"add rule inet other c tcp dport \$port accept\""
writer 20000 "iptables-nft -w -A OTHER -p tcp --dport \$port -j ACCEPT"
writer 30000 "iptables-legacy -w -t raw -A OTHER -p udp --dport \$port -j ACCEPT"
writing() {
	local pid

	for pid in "${writers[@]}"; do
		kill -0 "$pid" 2>/dev/null && return 0
	done
	return 1
}
rounds=0
while [ $rounds -lt 6 ] || writing; do
	rounds=$((rounds + 1))
	for ports in 8080,8082 8080; do
		rawtune apply web --port $ports >"$TEST_TMP/out" 2>&1 ||
			fail "apply $ports beside the writers, round $rounds: $(cat "$TEST_TMP/out")"
	done
	[ $((rounds % 3)) -ne 0 ] || rawtune remove web >"$TEST_TMP/out" 2>&1 ||
		fail "remove beside the writers, round $rounds: $(cat "$TEST_TMP/out")"
done
for pid in "${writers[@]}"; do
	wait "$pid" || fail "a writer failed beside rawtune"
done
rawtune apply web --port 8080 >/dev/null 2>&1 || fail "apply after the writers"
[ "$(H nft list chain inet other c | grep -c 'tcp dport 1[0-9]* accept')" -eq $W ] ||
	fail "the nft -f writer's rules: $(H nft list chain inet other c)"
[ "$(H iptables-nft -S OTHER 2>/dev/null | grep -c -- '--dport 2[0-9]* -j ACCEPT')" -eq $W ] ||
	fail "the iptables-nft writer's rules: $(H iptables-nft -S OTHER 2>/dev/null)"
[ "$(H iptables-legacy -t raw -S OTHER | grep -c -- '--dport 3[0-9]* -j ACCEPT')" -eq $W ] ||
	fail "the iptables-legacy writer's rules: $(H iptables-legacy -t raw -S OTHER)"
assert_same "$TEST_TMP/web-8080" <(rules_of web "$H") \
	"$rounds rounds of applies and removes beside 3 x $W commits of other writers: \
theirs all there, web's as planned"
