#!/bin/bash
# The Ansible module rawtune.rawtune.rawtune_profile (contrib/ansible), run
# with "ansible localhost" in a private network namespace: apply reports
# changed and an identical re-run does not; check mode changes nothing and
# predicts the change; state=absent removes; enabled edits rawtune.conf.
. "${TESTS_SRCDIR:?make check sets TESTS_SRCDIR}/lib.sh"
need_root_and unshare iptables-legacy iptables-legacy-save ip6tables-legacy-save python3
command -v ansible >/dev/null 2>&1 ||
	skip "needs ansible-core (apt-get install ansible-core) to test contrib/ansible"
enter_netns "$@"

export RAWTUNE_CONFIG="$TEST_TMP/rawtune.conf"
export RAWTUNE_PROFILE_DIR="$TEST_TMP/profiles.d"
mkdir -p "$RAWTUNE_PROFILE_DIR"
printf '# boot profiles\napply = dns\n' >"$RAWTUNE_CONFIG"

# Ansible's own files in the test's directory, not in root's home.
export ANSIBLE_COLLECTIONS_PATH="$TESTS_SRCDIR/../contrib/ansible"
export ANSIBLE_LOCAL_TEMP="$TEST_TMP/ansible-local" ANSIBLE_REMOTE_TEMP="$TEST_TMP/ansible-remote"
export ANSIBLE_HOME="$TEST_TMP/ansible-home"
export ANSIBLE_PYTHON_INTERPRETER=$(command -v python3)
export ANSIBLE_NOCOLOR=1 ANSIBLE_LOCALHOST_WARNING=0 ANSIBLE_INVENTORY_UNPARSED_WARNING=0

for t in raw filter nat; do
	iptables-legacy -t $t -S >/dev/null
	ip6tables-legacy -t $t -S >/dev/null
done
save_all >"$TEST_TMP/empty"

# module ARGS [ansible options]: run the module, its one-line result in $out.
module() {
	local args=$1
	shift
	out=$(ansible localhost -o -m rawtune.rawtune.rawtune_profile \
		-a "rawtune_bin=$RAWTUNE $args" "$@" 2>"$TEST_TMP/ansible.err") || {
		cat "$TEST_TMP/ansible.err" >&2
		fail "ansible -a '$args' $*: $out"
	}
}
expect() {
	[[ $out == "localhost | $1 => "* ]] || fail "$2: expected $1, got: $out"
	pass "$2"
}

# The rules that the module must make: those of apply with the same options.
"$RAWTUNE" apply web --port 8080,8443 --proto tcp -4 >/dev/null || fail "apply web failed"
save_all >"$TEST_TMP/by-hand"
"$RAWTUNE" remove web >/dev/null || fail "remove web failed"

web="name=web ports=8080,8443 protocols=tcp family=ipv4"

module "$web" --check
expect CHANGED "check mode: applying predicts changed"
[[ $out == *'"rules_changed": true'* ]] || fail "check mode's rules_changed: $out"
save_all >"$TEST_TMP/now"
assert_same "$TEST_TMP/empty" "$TEST_TMP/now" "check mode changes no rule"

module "$web"
expect CHANGED "state=present applies and reports changed"
[[ $out == *'"added": '* && $out == *'"profile": "web"'* ]] || fail "result: $out"
save_all >"$TEST_TMP/now"
assert_same "$TEST_TMP/by-hand" "$TEST_TMP/now" "the module applies what rawtune apply applies"

module "$web"
expect SUCCESS "an identical re-run reports unchanged"
module "$web" --check
expect SUCCESS "check mode on an applied profile predicts unchanged"

module "name=web ports=8080 protocols=tcp family=ipv4" --check
expect CHANGED "check mode predicts a change of ports"
save_all >"$TEST_TMP/now"
assert_same "$TEST_TMP/by-hand" "$TEST_TMP/now" "check mode leaves the applied rules alone"

# enabled: rawtune.conf edited, its other lines kept.
cp "$RAWTUNE_CONFIG" "$TEST_TMP/conf-before"
module "$web enabled=true" --check
expect CHANGED "check mode: enabling predicts changed"
cmp -s "$TEST_TMP/conf-before" "$RAWTUNE_CONFIG" || fail "check mode edited rawtune.conf"
module "$web enabled=true"
expect CHANGED "enabled=true lists the profile in rawtune.conf"
[[ $out == *'"config_changed": true'* && $out == *'"rules_changed": false'* ]] ||
	fail "enabled=true result: $out"
printf '# boot profiles\napply = dns\napply = web ports=8080,8443 protocols=tcp family=ipv4\n' \
	>"$TEST_TMP/want"
assert_same "$TEST_TMP/want" "$RAWTUNE_CONFIG" "enabled=true appends web's line, the rest kept"
module "$web enabled=true"
expect SUCCESS "enabled=true again reports unchanged"

# state=absent
module "name=web state=absent" --check
expect CHANGED "check mode: removing predicts changed"
save_all >"$TEST_TMP/now"
assert_same "$TEST_TMP/by-hand" "$TEST_TMP/now" "check mode removes nothing"
module "name=web state=absent enabled=false"
expect CHANGED "state=absent enabled=false removes and reports changed"
printf '# boot profiles\napply = dns\n' >"$TEST_TMP/want"
assert_same "$TEST_TMP/want" "$RAWTUNE_CONFIG" "enabled=false takes web's line out, the rest kept"
save_all >"$TEST_TMP/now"
assert_same "$TEST_TMP/empty" "$TEST_TMP/now" "state=absent leaves the tables as they were"
module "name=web state=absent"
expect SUCCESS "removing again reports unchanged"
module "name=web state=absent" --check
expect SUCCESS "check mode on a removed profile predicts unchanged"

# Errors: the program's own message, nothing changed.
out=$(ansible localhost -o -m rawtune.rawtune.rawtune_profile \
	-a "rawtune_bin=$RAWTUNE name=web ports=0" 2>&1) && fail "ports=0 succeeded: $out"
[[ $out == *"FAILED"*"rawtune: bad port '0'"* ]] || fail "ports=0 said: $out"
save_all >"$TEST_TMP/now"
assert_same "$TEST_TMP/empty" "$TEST_TMP/now" "a bad port fails with rawtune's message, nothing changed"
