#!/bin/bash
# The record of when each profile was applied is kept per network namespace
# under the namespace's cookie, which the kernel never gives twice: two
# namespaces get two keys, and a namespace never reads what one that is
# gone left behind, even one that had the same inode number (the old key,
# which the kernel reuses).
. "${TESTS_SRCDIR:?make check sets TESTS_SRCDIR}/lib.sh"
need_root_and unshare iptables-legacy-save python3
netns_setup
RUN=$RAWTUNE_RUN_DIR

# in_netns SCRIPT: run SCRIPT in a new network namespace, gone when it ends
in_netns() {
	unshare -n -- bash -c "ip link set lo up && $1"
}

in_netns '"$RAWTUNE" apply web >/dev/null' || fail "apply in the first namespace failed"
in_netns '"$RAWTUNE" apply web >/dev/null' || fail "apply in the second namespace failed"
keys=$(ls "$RUN")
[ "$(echo "$keys" | grep -cxE 'netns-[0-9]+')" -eq 2 ] ||
	fail "two namespaces, not two cookie keys: $(echo $keys)"
pass "two namespaces, two keys: $(echo $keys)"

# A new namespace whose inode number had a record: web's rules made without a
# record (the run directory cannot be made), then stats must know no time.
# shellcheck disable=SC2016 # expanded in the namespace
seconds=$(in_netns '
	old="$RAWTUNE_RUN_DIR/net-$(stat -L -c %i /proc/self/ns/net)"
	mkdir -p "$old" && echo 1000 >"$old/web"
	for key in "$RAWTUNE_RUN_DIR"/*; do echo 1000 >"$key/web"; done
	RAWTUNE_RUN_DIR=/dev/null/run "$RAWTUNE" apply web >/dev/null 2>&1 || exit 1
	"$RAWTUNE" stats --json' |
	python3 -c 'import json, sys
print([p["seconds"] for p in json.load(sys.stdin)["profiles"] if p["name"] == "web"])') ||
	fail "apply or stats failed in the third namespace"
[ "$seconds" = "[None]" ] || fail "a new namespace read a record it did not write: $seconds"
pass "a new namespace reads no record of a namespace that is gone"
