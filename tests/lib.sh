# Shared by the namespace tests: sourced, not run.
#
# enter_netns re-runs the test inside a private network namespace
# (unshare -n), so nothing touches the machine's own firewall. The xtables
# lock is a file shared by all namespaces: each test gets its own.

# As root, rawtune refuses configuration that group or others may write:
# the tests' files must not be, whatever umask make check ran under.
umask 022

# The tests written for one backend say which (read back with
# iptables-legacy-save, or nft list); the default is the legacy one, which
# the tests before the nf_tables backend were written for. A test of the
# automatic choice unsets it.
export RAWTUNE_BACKEND=${RAWTUNE_BACKEND:-legacy}

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

skip() {
	echo "SKIP: $*"
	exit 77
}

pass() {
	echo "ok: $*"
}

need_root_and() {
	[ "$(id -u)" -eq 0 ] || skip "needs root"
	for cmd in "$@"; do
		command -v "$cmd" >/dev/null 2>&1 || skip "needs $cmd"
	done
}

# need_shim NAME: SHIM is the path of the test-only preload library
# tests/.libs/NAME.so, which make check builds; skip without it.
need_shim() {
	SHIM="$(cd "$(dirname "$RAWTUNE")/../tests/.libs" 2>/dev/null && pwd)/$1.so"
	[ -f "$SHIM" ] || skip "needs tests/.libs/$1.so (make tests/$1.la)"
}

# hold_lock SECONDS: another process holds the xtables lock for SECONDS
# (LOCK_HOLDER is its pid); returns once it does. A fixed sleep after
# starting it raced a slow start on a loaded machine.
hold_lock() {
	flock -o "$XTABLES_LOCKFILE" sleep "$1" &
	LOCK_HOLDER=$!
	for _ in $(seq 100); do
		flock -n "$XTABLES_LOCKFILE" true || return 0
		sleep 0.05
	done
	fail "the xtables lock was not taken within 5 s"
}

# wait_ct_listener NS: wait until a program in NS (rawtune watch) listens to
# conntrack events: a NETLINK_NETFILTER (12) socket with groups joined.
wait_ct_listener() {
	for _ in $(seq 100); do
		ip netns exec "$1" awk '$2 == 12 && $4 != "00000000" { found = 1 } END { exit !found }' \
			/proc/net/netlink && return 0
		sleep 0.05
	done
	fail "nothing listens to conntrack events in $1 after 5 s"
}

enter_netns() {
	if [ -z "${RAWTUNE_IN_NETNS:-}" ]; then
		RAWTUNE_IN_NETNS=1 exec unshare -n -- bash "$0" "$@"
	fi
	TEST_TMP=$(mktemp -d)
	trap 'rm -rf "$TEST_TMP"' EXIT
	export XTABLES_LOCKFILE="$TEST_TMP/xtables.lock"
	# apply's record of when each profile was applied: not in the host's /run
	export RAWTUNE_RUN_DIR="$TEST_TMP/run"
	ip link set lo up
}

# iptables-legacy-save without the date comments and counters, tables in a
# fixed order (the kernel lists them in the order they were first used), and
# without creating a table that does not exist yet.
save() {
	local t

	for t in $(sort "$2"); do
		"$1" -t "$t" | sed -e '/^#/d' -e 's/\[[0-9]*:[0-9]*\]$/[0:0]/'
	done
}
save4() { save iptables-legacy-save /proc/net/ip_tables_names; }
save6() { save ip6tables-legacy-save /proc/net/ip6_tables_names; }
save_all() {
	echo "## ipv4"
	save4
	echo "## ipv6"
	save6
}

# Compare a file with a golden file in tests/golden, showing the difference.
assert_golden() {
	local actual=$1 golden="$TESTS_SRCDIR/golden/$2"

	if ! diff -u "$golden" "$actual"; then
		fail "$2 differs from the golden file (above: - golden, + actual)"
	fi
	pass "$2 matches the golden file"
}

assert_same() {
	if ! diff -u "$1" "$2"; then
		fail "$3"
	fi
	pass "$3"
}

# Count table replaces that a command makes (IPT_SO_SET_REPLACE / IP6T_...).
# LeakSanitizer cannot run under ptrace: no leak check in a sanitizer build.
count_replaces() {
	local log="$TEST_TMP/strace.log"

	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
		strace -f -qq -e trace=setsockopt -o "$log" "$@" >/dev/null ||
		fail "$* failed under strace"
	grep -c 'SO_SET_REPLACE' "$log" || true
}

: "${RAWTUNE:?RAWTUNE must name the rawtune program (make check sets it)}"
: "${TESTS_SRCDIR:?TESTS_SRCDIR must name the tests directory (make check sets it)}"

# unwrap_rawtune: RAWTUNE becomes the program itself, as libtool
# --mode=execute finds it, not libtool's wrapper script (a shell and a few
# seds each time), for tests that run it some hundred times.
unwrap_rawtune() {
	local libtool

	libtool="$(dirname "$RAWTUNE")/../libtool"
	[ -x "$libtool" ] && grep -q 'libtool wrapper' "$RAWTUNE" 2>/dev/null || return 0
	eval "$("$libtool" --mode=execute bash -c \
		'printf "RAWTUNE=%q; export LD_LIBRARY_PATH=%q\n" "$1" "$LD_LIBRARY_PATH"' \
		bash "$RAWTUNE")" || fail "cannot find the program behind $RAWTUNE"
}

# Named namespaces for tests with several hosts; all removed on exit.
NETNS_MADE=()
netns_cleanup() {
	local ns pid

	for ns in "${NETNS_MADE[@]}"; do
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill "$pid" 2>/dev/null
		done
		ip netns del "$ns" 2>/dev/null
	done
	rm -rf "$TEST_TMP"
}

netns_setup() {
	TEST_TMP=$(mktemp -d)
	export XTABLES_LOCKFILE="$TEST_TMP/xtables.lock"
	# apply's record of when each profile was applied: not in the host's /run
	export RAWTUNE_RUN_DIR="$TEST_TMP/run"
	trap netns_cleanup EXIT
}

# netns_add VAR NAME: a namespace called rt-NAME-PID with loopback up, its
# name stored in VAR (not printed: a subshell could not record it for cleanup).
netns_add() {
	local ns="rt-$2-$$"

	ip netns add "$ns" || fail "cannot create namespace $ns"
	NETNS_MADE+=("$ns")
	ip -n "$ns" link set lo up
	printf -v "$1" '%s' "$ns"
}

# netns_link NS1 IF1 ADDR1 NS2 IF2 ADDR2: a veth pair between two namespaces.
netns_link() {
	ip -n "$1" link add "$2" type veth peer name "$5" netns "$4" ||
		fail "cannot create veth $2/$5"
	ip -n "$1" addr add "$3" dev "$2"
	ip -n "$4" addr add "$6" dev "$5"
	ip -n "$1" link set "$2" up
	ip -n "$4" link set "$5" up
}

# start_nginx NS LISTEN NAME: nginx in NS on LISTEN (addr:port), logging the
# client address of each request to $TEST_TMP/NAME.access.
start_nginx() {
	local ns=$1 listen=$2 dir="$TEST_TMP/$3"

	chmod 0755 "$TEST_TMP"
	mkdir -p "$dir/www"
	echo "rawtune test" >"$dir/www/index.html"
	cat >"$dir/nginx.conf" <<CONF
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 1024; }
http {
	log_format addr '\$remote_addr';
	access_log $TEST_TMP/$3.access addr;
	client_body_temp_path $dir/body;
	proxy_temp_path $dir/proxy;
	fastcgi_temp_path $dir/fastcgi;
	uwsgi_temp_path $dir/uwsgi;
	scgi_temp_path $dir/scgi;
	server { listen $listen; root $dir/www; }
}
CONF
	ip netns exec "$ns" nginx -p "$dir" -e "$dir/error.log" -c "$dir/nginx.conf" -g 'daemon on;' ||
		fail "nginx did not start in $ns on $listen"
}

# requests NS URL N: make N requests from NS; prints how many completed.
requests() {
	ip netns exec "$1" ab -q -n "$3" -c 4 -s 5 "$2" 2>/dev/null |
		sed -n 's/^Complete requests: *//p'
}

# The entries in a namespace's conntrack table.
ct_count() {
	ip netns exec "$1" cat /proc/sys/net/netfilter/nf_conntrack_count
}

# ---- the rules of either backend, read back from the kernel -----------------
# For tests that run once per backend ($RAWTUNE_BACKEND): what differs
# between the two stays in these few functions.

# in_ns NS CMD...: CMD in the named namespace NS, or here when NS is empty.
in_ns() {
	local ns=$1

	shift
	if [ -n "$ns" ]; then
		ip netns exec "$ns" "$@"
	else
		"$@"
	fi
}

# legacy_saved [NS]: both families' legacy chains (without counters) and
# rules, each line after its family; reads only the tables that exist, so
# that it creates none.
legacy_saved() {
	legacy_family ipv4 iptables-legacy-save /proc/net/ip_tables_names "${1:-}"
	legacy_family ipv6 ip6tables-legacy-save /proc/net/ip6_tables_names "${1:-}"
}
legacy_family() { # FAMILY SAVE TABLES-FILE NS
	[ -n "$(in_ns "$4" cat "$3" 2>/dev/null)" ] || return 0
	in_ns "$4" "$2" | sed -n -e 's/ \[[0-9]*:[0-9]*\]$//' -e "s/^[-:]/$1 &/p"
}

# nft_listed [NS]: table inet rawtune's rules, each line after its chain,
# without counters or handles.
nft_listed() {
	in_ns "${1:-}" nft list table inet rawtune 2>/dev/null |
		sed -e 's/ counter packets [0-9]* bytes [0-9]*/ counter/' |
		awk '$1 == "chain" { chain = $2 }
			/comment "rawtune:/ { sub(/^[ \t]*/, ""); print chain ": " $0 }'
}

# rules_of PROFILE [NS]: the profile's rules in the kernel, one a line, as
# iptables-legacy-save / ip6tables-legacy-save or nft list them (no counters).
rules_of() {
	case $RAWTUNE_BACKEND in
	legacy) legacy_saved "${2:-}" | grep -F -- "--comment \"rawtune:$1\"" ;;
	nft) nft_listed "${2:-}" | grep -F -- "comment \"rawtune:$1\"" ;;
	*) fail "rules_of: no backend named '$RAWTUNE_BACKEND'" ;;
	esac
}

# rule_count PROFILE [NS]
rule_count() {
	rules_of "$@" | grep -c . || true
}

# no_rules_left WHAT [NS]: nothing of rawtune in the kernel: no RAWTUNE chain,
# jump or rule in the legacy tables, no table inet rawtune; and a run of the
# nf_tables backend created no legacy table at all (its first use would).
no_rules_left() {
	local left

	left=$(legacy_saved "${2:-}" | grep -i rawtune)
	[ -z "$left" ] || fail "$1: rawtune's legacy rules are left: $left"
	in_ns "${2:-}" nft list table inet rawtune >/dev/null 2>&1 &&
		fail "$1: table inet rawtune is left: $(in_ns "${2:-}" nft list table inet rawtune)"
	if [ "$RAWTUNE_BACKEND" = nft ]; then
		left=$(in_ns "${2:-}" cat /proc/net/ip_tables_names /proc/net/ip6_tables_names \
			2>/dev/null | tr '\n' ' ')
		[ -z "$left" ] || fail "$1: the nf_tables backend created legacy tables: $left"
	fi
	return 0
}
