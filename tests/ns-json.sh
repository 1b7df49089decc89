#!/bin/bash
# --json as a program reads it: "status --json" and "profiles --json" parsed
# by Python's json module and checked field by field against
# iptables-legacy-save (rules and counters) and the profiles' files; text
# that needs escaping (quotes, backslashes, control characters, bytes that
# are not UTF-8) still gives valid JSON; "applied" is null when the rules
# cannot be read. Status lists the twins in filter with the raw rules, and
# "state" is "applied", or "drift" (exit 3) with the reason in "drift".
. "${TESTS_SRCDIR:?make check sets TESTS_SRCDIR}/lib.sh"
need_root_and unshare setpriv iptables-legacy-save ip6tables-legacy-save
enter_netns "$@"
command -v python3 >/dev/null || skip "needs python3 to parse the JSON"

export RAWTUNE_PROFILE_DIR="$TEST_TMP/profiles.d"
mkdir "$RAWTUNE_PROFILE_DIR"
PD=$RAWTUNE_PROFILE_DIR

# check_json NAME SCRIPT ARGS...: run the Python SCRIPT on the JSON in
# $TEST_TMP/NAME.json, which must be one line of strict UTF-8 JSON with
# no raw control characters; SCRIPT sees it as "d", ARGS as sys.argv[1:].
check_json() {
	local name=$1 script=$2
	shift 2
	python3 -c "import json, sys
raw = sys.stdin.buffer.read()
assert raw.endswith(b'\\n') and raw.count(b'\\n') == 1, 'not one line'
assert all(b >= 0x20 for b in raw[:-1]), 'a raw control character'
d = json.loads(raw.decode('utf-8'))
$script" "$@" <"$TEST_TMP/$name.json" || fail "$name: the JSON is not as documented (above)"
}

# ---- status --json ------------------------------------------------------------------
# the backend chosen, so that the reason does not depend on the host's iptables
"$RAWTUNE" --backend legacy status --json >"$TEST_TMP/empty.json" || fail "status --json failed"
[ "$(cat "$TEST_TMP/empty.json")" = '{"schema":3,"backend":"legacy","backend_reason":"chosen with --backend","profiles":[],"leftovers":[]}' ] ||
	fail "status --json, nothing applied: $(cat "$TEST_TMP/empty.json")"

# A stateful firewall in both families: its NEW accepts get twins, which
# status lists in the filter table.
for cmd in iptables-legacy ip6tables-legacy; do
	$cmd -P INPUT DROP &&
		$cmd -A INPUT -i lo -j ACCEPT &&
		$cmd -A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT &&
		$cmd -A INPUT -p tcp -m multiport --dports 80,443 -m conntrack --ctstate NEW -j ACCEPT &&
		$cmd -A INPUT -p tcp -m tcp --dport 53 -m conntrack --ctstate NEW -j ACCEPT &&
		$cmd -A INPUT -p udp -m udp --dport 53 -m conntrack --ctstate NEW -j ACCEPT ||
		fail "cannot load the $cmd firewall"
done
"$RAWTUNE" apply web >/dev/null || fail "apply web failed"
"$RAWTUNE" apply dns -4 >/dev/null || fail "apply dns -4 failed"
# Counters that are not zero: one datagram through dns's loopback rules.
echo query >/dev/udp/127.0.0.1/53
status_rc=0
"$RAWTUNE" status --json >"$TEST_TMP/status.json" || status_rc=$?
# Every rule of rawtune's (raw rules and twins) with its counters, as
# "FAMILY TABLE [P:B] RULE".
for t in raw filter; do
	iptables-legacy-save -c -t $t | sed -n "s/^\(\[[0-9:]*\]\) \(-A .*\"rawtune:.*\)/ipv4 $t \1 \2/p"
	ip6tables-legacy-save -c -t $t | sed -n "s/^\(\[[0-9:]*\]\) \(-A .*\"rawtune:.*\)/ipv6 $t \1 \2/p"
done >"$TEST_TMP/saved"
# Three checks, each tried: the fields and counts, the rules' text, the state.
json_failed=()
READ_SAVED='
import datetime, re
saved = {}
for line in open(sys.argv[1]):
    family, table, counters, rule = line.rstrip("\n").split(" ", 3)
    packets, bytes_ = map(int, counters.strip("[]").split(":"))
    name = re.search(r"\"rawtune:([^\"]+)\"", rule).group(1)
    saved.setdefault(name, []).append(dict(family=family, table=table, rule=rule,
                                           packets=packets, bytes=bytes_))
'
( check_json status "$READ_SAVED"'
assert list(d) == ["schema", "backend", "backend_reason", "profiles", "leftovers"], list(d)
assert d["schema"] == 3 and d["backend"] == "legacy" and d["leftovers"] == [], d
assert d["backend_reason"] == "chosen with RAWTUNE_BACKEND", d
assert sorted(p["name"] for p in d["profiles"]) == ["dns", "web"], d["profiles"]
for p in d["profiles"]:
    assert p["backend"] == "legacy", p
    assert [k for k in p if k != "drift"] == ["name", "state", "backend", "families", "ports",
                                             "protocols", "direction", "family", "forward",
                                             "applied_at", "packets", "bytes", "saved",
                                             "rules"], list(p)
    want = {"web": ["ipv4", "ipv6"], "dns": ["ipv4"]}[p["name"]]
    assert p["families"] == want, (p["name"], p["families"])
    # what the rules untrack, in the types of "profiles --json"
    want = {"web": ("80,443", ["tcp"], "both"), "dns": ("53", ["tcp", "udp"], "ipv4")}
    assert (p["ports"], p["protocols"], p["family"]) == want[p["name"]], p
    assert p["direction"] == "server" and p["forward"] is False, p
    # applied a moment ago, as ISO 8601 in UTC
    when = datetime.datetime.strptime(p["applied_at"], "%Y-%m-%dT%H:%M:%SZ")
    age = datetime.datetime.utcnow() - when
    assert datetime.timedelta(0) <= age < datetime.timedelta(minutes=5), p["applied_at"]
    # the sums leave out the count rules, which count the same packets again
    mine = [r for r in saved[p["name"]] if " -j " in r["rule"]]
    assert p["packets"] == sum(r["packets"] for r in mine), p
    assert p["bytes"] == sum(r["bytes"] for r in mine), p
    assert p["saved"] == {"web": 0, "dns": 1}[p["name"]], p
    for r in p["rules"]:
        assert list(r) == ["family", "table", "rule", "packets", "bytes"], list(r)
        assert type(r["packets"]) is int and type(r["bytes"]) is int, r
    n = lambda rules, table: sum(1 for r in rules if r["table"] == table)
    # web: 4 raw and 3 twins a family (SYN, later segments, ICMP errors);
    # dns -4: 7 raw, 4 twins (SYN, later segments, UDP, ICMP errors)
    want = {"web": (8, 6), "dns": (7, 4)}[p["name"]]
    assert (n(p["rules"], "raw"), n(p["rules"], "filter")) == want, (p["name"], p["rules"])
    assert (n(saved[p["name"]], "raw"), n(saved[p["name"]], "filter")) == want, saved[p["name"]]
assert any(r["packets"] == 1 and r["bytes"] > 0 for r in saved["dns"]), saved["dns"]
' "$TEST_TMP/saved" ) && pass "status --json: the fields, the rules of raw and the twins in filter" ||
	json_failed+=("fields and counts")
( check_json status "$READ_SAVED"'
for p in d["profiles"]:
    key = lambda r: (r["family"], r["table"], r["rule"])
    assert sorted(p["rules"], key=key) == sorted(saved[p["name"]], key=key), \
        (p["name"], p["rules"], saved[p["name"]])
' "$TEST_TMP/saved" ) && pass "status --json: every rule and counter that iptables-legacy-save shows" ||
	json_failed+=("the rules as iptables-legacy-save shows them")
( check_json status '
for p in d["profiles"]:
    assert p["state"] == "applied" and "drift" not in p, p
'
[ "$status_rc" -eq 0 ] || fail "status --json right after apply exited $status_rc, want 0" ) &&
	pass "status --json: state applied, exit 0, right after apply" || json_failed+=("state")

# Drift: the firewall reloaded without the twins. "state" says so, with why;
# status exits 3; a profile not applied is exit 4.
iptables-legacy-save -t filter | grep -v 'rawtune:' | iptables-legacy-restore -T filter ||
	fail "cannot reload the firewall"
st=0
"$RAWTUNE" status --json >"$TEST_TMP/drift.json" || st=$?
[ "$st" -eq 3 ] || fail "status --json with the twins gone exited $st, want 3"
check_json drift '
p = {p["name"]: p for p in d["profiles"]}
for name in ("web", "dns"):
    assert p[name]["state"] == "drift", p[name]
    assert list(p[name])[:3] == ["name", "state", "drift"], list(p[name])
    assert p[name]["drift"].startswith(name + ": ") and "filter" in p[name]["drift"], p[name]["drift"]
'
st=0
"$RAWTUNE" status --json ntp >"$TEST_TMP/ntp.json" 2>"$TEST_TMP/err" || st=$?
[ "$st" -eq 4 ] || fail "status --json ntp (not applied) exited $st, want 4"
grep -qx "rawtune: ntp: not applied" "$TEST_TMP/err" || fail "status ntp said: $(cat "$TEST_TMP/err")"
pass "status --json: state drift with its reason and exit 3; a profile not applied: exit 4"
"$RAWTUNE" apply web >/dev/null && "$RAWTUNE" apply dns -4 >/dev/null || fail "apply again failed"
# People see the bytes beside the packets: the dns datagram is 1 packet of 34 bytes.
"$RAWTUNE" status | grep -qE '^  ipv4 raw +1 pkts +34 bytes  -A RAWTUNE-PREROUTING -p udp .*rawtune:dns' ||
	fail "status: no line with packets and bytes: $("$RAWTUNE" status)"
pass "status: bytes beside packets"

# ---- profiles --json ----------------------------------------------------------------
# A description with a quote, a backslash, a tab, é and a byte that is not
# UTF-8 (0xff, which must come out as U+FFFD). Other control characters are
# refused in descriptions (tests/test-profile.c).
{
	printf 'description = say "hi" \\ tab\tctl caf\303\251 \377 end\n'
	printf '%s\n' 'ports = 7000-7010, 7100' 'protocols = udp' 'direction = client' \
		'family = ipv6' 'addresses = 2001:db8::1, 2001:db8:1::/48' 'interfaces = eth0,lo' \
		'forward = yes'
} >"$PD/odd.conf"
"$RAWTUNE" profiles --json >"$TEST_TMP/profiles.json" || fail "profiles --json failed"
check_json profiles '
keys = ["name", "description", "source", "ports", "protocols", "direction", "family",
        "addresses", "interfaces", "forward", "applied", "applied_as"]
assert list(d) == ["schema", "profiles"] and d["schema"] == 3, list(d)
profiles = {p["name"]: p for p in d["profiles"]}
assert [p["name"] for p in d["profiles"]] == sorted(profiles), "not sorted by name"
assert sorted(profiles) == ["dns", "memcached", "ntp", "odd", "syslog", "web"], sorted(profiles)
for p in d["profiles"]:
    assert list(p) == keys, list(p)
assert profiles["web"] == dict(name="web", description="Web server: HTTP and HTTPS",
    source="built-in", ports="80,443", protocols=["tcp"], direction="server", family="both",
    addresses=[], interfaces=[], forward=False, applied=True,
    applied_as=dict(ports="80,443", protocols=["tcp"], direction="server", family="both",
        forward=False)), profiles["web"]
assert profiles["dns"]["protocols"] == ["tcp", "udp"] and profiles["dns"]["applied"] is True
assert profiles["dns"]["family"] == "both", "family is the profile'"'"'s, not what -4 applied"
assert profiles["dns"]["applied_as"]["family"] == "ipv4", "applied_as is what -4 applied"
assert profiles["ntp"]["protocols"] == ["udp"] and profiles["ntp"]["applied"] is False
assert profiles["odd"] == dict(name="odd",
    description="say \"hi\" \\ tab\tctl caf\u00e9 \ufffd end",
    source=sys.argv[1] + "/odd.conf", ports="7000-7010,7100", protocols=["udp"],
    direction="client", family="ipv6", addresses=["2001:db8::1/128", "2001:db8:1::/48"],
    interfaces=["eth0", "lo"], forward=True, applied=False, applied_as=None), profiles["odd"]
' "$PD"
grep -qF 'tab\tctl' "$TEST_TMP/profiles.json" || fail "profiles --json: tab not as \\t"
pass "profiles --json: every field, escaping, U+FFFD for bytes that are not UTF-8"

# Without the privilege to read the rules, the list still comes, "applied" unknown.
chmod 0755 "$TEST_TMP"
setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
	"$RAWTUNE" profiles --json >"$TEST_TMP/nobody.json" 2>"$TEST_TMP/err" ||
	fail "profiles --json without privileges failed: $(cat "$TEST_TMP/err")"
grep -q "^rawtune: warning: cannot tell which profiles are applied: " "$TEST_TMP/err" ||
	fail "profiles without privileges: no warning: $(cat "$TEST_TMP/err")"
check_json nobody '
assert len(d["profiles"]) == 6 and all(p["applied"] is None for p in d["profiles"]), d
'
pass "profiles --json without privileges: applied is null, with a warning"

# The table for people agrees.
"$RAWTUNE" profiles >"$TEST_TMP/table" || fail "profiles failed"
head -1 "$TEST_TMP/table" | grep -qxE 'NAME +APPLIED +PORTS +PROTOCOLS +DIRECTION +FAMILY +SOURCE' ||
	fail "profiles: header $(head -1 "$TEST_TMP/table")"
grep -qxE 'web +yes +80,443 +tcp +server +both +built-in' "$TEST_TMP/table" ||
	fail "profiles: web row: $(grep ^web "$TEST_TMP/table")"
grep -qxE "odd +no +7000-7010,7100 +udp +client +ipv6 +$PD/odd.conf" "$TEST_TMP/table" ||
	fail "profiles: odd row: $(grep ^odd "$TEST_TMP/table")"
[ "$(awk '{ match($0, /^[^ ]+ +/); print RLENGTH }' "$TEST_TMP/table" | sort -u | wc -l)" -eq 1 ] ||
	fail "profiles: the APPLIED column is not aligned: $(cat "$TEST_TMP/table")"
pass "profiles: an aligned table with a header"
[ "${#json_failed[@]}" -eq 0 ] || fail "status --json, failed above: ${json_failed[*]}"

# ---- the schema of every --json ------------------------------------------------------
for cmd in "status" "profiles" "stats" "top -c 1" "watch -i 1 -c 1"; do
	# shellcheck disable=SC2086 # the command's words
	"$RAWTUNE" $cmd -j >"$TEST_TMP/schema.json" || fail "$cmd -j failed"
	check_json schema 'assert list(d)[0] == "schema" and d["schema"] == 3, list(d)'
done
pass "status, profiles, stats, top and watch: \"schema\": 3 first in every --json text"

# watch: the kernel's counters as stats gives them, their rise since the last line apart
"$RAWTUNE" watch -i 1 -c 1 -j >"$TEST_TMP/watch.json" || fail "watch -j failed"
check_json watch '
for k in ("drop", "early_drop", "insert_failed"):
    assert type(d[k]) is int and type(d[k + "_delta"]) is int, d
    assert 0 <= d[k + "_delta"] <= d[k], d
'
pass "watch --json: drop and drop_delta apart"

# ---- apply and remove --json: what changed -------------------------------------------
"$RAWTUNE" remove -q --all || fail "remove --all failed"
"$RAWTUNE" apply web -j >"$TEST_TMP/apply.json" || fail "apply web -j failed"
check_json apply 'assert d == {"schema": 3, "profile": "web", "changed": True, "added": 14,
    "removed": 0, "families": ["ipv4", "ipv6"], "conntrack_deleted": 0}, d'
"$RAWTUNE" apply web --json >"$TEST_TMP/again.json" || fail "apply web --json again failed"
check_json again 'assert d["changed"] is False and d["added"] == d["removed"] == 0, d'
"$RAWTUNE" apply web -j -4 --port 80 >"$TEST_TMP/narrow.json" || fail "apply web -4 -j failed"
check_json narrow 'assert d["changed"] is True and d["removed"] > 0 and d["families"] == ["ipv4"], d'
"$RAWTUNE" remove web -j >"$TEST_TMP/remove.json" || fail "remove web -j failed"
check_json remove 'assert d == {"schema": 3, "profile": "web", "changed": True, "removed": 7}, d'
"$RAWTUNE" remove web -j >"$TEST_TMP/none.json" || fail "remove web -j again failed"
check_json none 'assert d["changed"] is False and d["removed"] == 0, d'
"$RAWTUNE" apply dns -q && "$RAWTUNE" remove --all -j >"$TEST_TMP/all.json" || fail "remove --all -j failed"
check_json all 'assert d["profile"] is None and d["changed"] is True and d["removed"] == 22, d'
"$RAWTUNE" apply web -j -n >/dev/null 2>&1 && fail "apply --json --dry-run was taken"
pass "apply and remove --json: changed, rules added and removed"
