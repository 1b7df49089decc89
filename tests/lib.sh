# Shared by the namespace tests: sourced, not run.
#
# enter_netns re-runs the test inside a private network namespace
# (unshare -n), so nothing touches the machine's own firewall. The xtables
# lock is a file shared by all namespaces: each test gets its own.

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

enter_netns() {
	if [ -z "${RAWTUNE_IN_NETNS:-}" ]; then
		RAWTUNE_IN_NETNS=1 exec unshare -n -- bash "$0" "$@"
	fi
	TEST_TMP=$(mktemp -d)
	trap 'rm -rf "$TEST_TMP"' EXIT
	export XTABLES_LOCKFILE="$TEST_TMP/xtables.lock"
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
count_replaces() {
	local log="$TEST_TMP/strace.log"

	strace -f -qq -e trace=setsockopt -o "$log" "$@" >/dev/null ||
		fail "$* failed under strace"
	grep -c 'SO_SET_REPLACE' "$log" || true
}

: "${RAWTUNE:?RAWTUNE must name the rawtune program (make check sets it)}"
: "${TESTS_SRCDIR:?TESTS_SRCDIR must name the tests directory (make check sets it)}"
