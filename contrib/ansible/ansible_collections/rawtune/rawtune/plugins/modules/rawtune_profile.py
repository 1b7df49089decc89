#!/usr/bin/python
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Drives the rawtune program and nothing else: what a profile is, how its
# rules are planned and committed, and what counts as a change are the
# program's to say (its --json output, rawtune(8) JSON OUTPUT).

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: rawtune_profile
short_description: Apply or remove a rawtune profile (iptables raw-table NOTRACK rules)
description:
  - Applies a rawtune profile, which keeps the traffic of some ports out of
    the kernel's connection tracking table, or removes it, by running
    C(rawtune apply --json), C(rawtune remove --json), and for boot
    C(rawtune enable --json) or C(rawtune disable --json).
  - Reports C(changed) only when rules were added or removed, or rawtune.conf
    was edited.
  - In check mode, compares C(rawtune apply --dry-run) with
    C(rawtune status PROFILE --json), and asks C(rawtune enable --dry-run) or
    C(rawtune disable --dry-run) whether rawtune.conf would change.
version_added: "0.2.0"
options:
  name:
    description: The profile, a built-in one (web, dns, ...) or a file in the profile directory.
    type: str
    required: true
  state:
    description: Whether the profile's rules should be in place.
    type: str
    choices: [present, absent]
    default: present
  ports:
    description: The ports to untrack instead of the profile's own (C(80), C(8000-8100)).
    type: list
    elements: str
  protocols:
    description: The protocols to untrack instead of the profile's own.
    type: list
    elements: str
    choices: [tcp, udp]
  family:
    description:
      - The one address family to make rules in instead of the profile's own
        (C(rawtune apply -4) or C(-6)); unset, the profile's own families.
    type: str
    choices: [ipv4, ipv6]
  enabled:
    description:
      - C(true) also lists the profile in rawtune.conf, to be applied at boot,
        with these options (C(rawtune enable)); needs I(state=present).
      - C(false) also takes it out of rawtune.conf (C(rawtune disable), which
        removes the rules as well); needs I(state=absent).
      - Unset leaves rawtune.conf alone.
    type: bool
  force:
    description: Apply even where a nat table rule could take this traffic (C(--force)).
    type: bool
    default: false
  rawtune_bin:
    description: The rawtune program; by default C(rawtune) found in the PATH or C(/usr/sbin).
    type: path
notes:
  - Check mode compares the profile's raw table rules; the filter table
    twins that apply may add for the firewall's own rules are compared only
    as far as C(rawtune status) reports drift.
requirements:
  - rawtune 0.2 or later on the managed host, run as root.
author:
  - rawtune developers
"""

EXAMPLES = r"""
- name: Untrack the web server's traffic, now and at boot
  rawtune.rawtune.rawtune_profile:
    name: web
    ports: [80, 443, 8080]
    enabled: true

- name: DNS over UDP only, IPv4 only, until the next boot
  rawtune.rawtune.rawtune_profile:
    name: dns
    protocols: [udp]
    family: ipv4

- name: No more, and not at boot either
  rawtune.rawtune.rawtune_profile:
    name: web
    state: absent
    enabled: false
"""

RETURN = r"""
rawtune:
  description: The JSON object that rawtune wrote (rawtune(8), JSON OUTPUT); empty in check mode.
  returned: when rawtune ran
  type: dict
  sample: {"schema": 1, "profile": "web", "changed": true, "added": 8, "removed": 0}
rules_changed:
  description: Whether rules were (in check mode, would be) added or removed.
  returned: always
  type: bool
config_changed:
  description: Whether rawtune.conf was (would be) edited; false when I(enabled) is unset.
  returned: always
  type: bool
"""

import json

from ansible.module_utils.basic import AnsibleModule

# rawtune status exit statuses (rawtune(8), EXIT STATUS)
STATUS_DRIFT = 3
STATUS_NOT_APPLIED = 4


class Rawtune:
    def __init__(self, module):
        self.module = module
        self.bin = module.params["rawtune_bin"] or module.get_bin_path(
            "rawtune", required=True, opt_dirs=["/usr/sbin", "/usr/local/sbin"]
        )

    def run(self, args, ok=(0,)):
        rc, out, err = self.module.run_command([self.bin] + args)
        if rc not in ok:
            self.module.fail_json(
                msg=(err or out).strip() or "rawtune %s: exit status %d" % (args[0], rc),
                rc=rc,
                cmd=[self.bin] + args,
            )
        return rc, out

    def run_json(self, args):
        _, out = self.run(args + ["--json"])
        lines = out.strip().splitlines()
        try:
            return json.loads(lines[-1])
        except (IndexError, ValueError):
            self.module.fail_json(msg="rawtune %s: no JSON in its output: %r" % (args[0], out))


def profile_args(params):
    """The options that change the profile, as apply and enable take them."""
    args = []
    if params["ports"]:
        args += ["--port", ",".join(str(p) for p in params["ports"])]
    if params["protocols"]:
        args += ["--proto", ",".join(params["protocols"])]
    if params["family"]:
        args.append("-4" if params["family"] == "ipv4" else "-6")
    return args


def planned_rules(text):
    """(family, rule) of each raw table rule that apply --dry-run prints."""
    rules, family, table = [], None, None
    for line in text.splitlines():
        if line in ("# ipv4", "# ipv6"):
            family = line[2:]
        elif line.startswith("*"):
            table = line[1:]
        elif line.startswith("-A RAWTUNE-") and table == "raw":
            rules.append((family, line))
    return sorted(rules)


def applied_rules(rt, name):
    """(family, rule) of each raw table rule in place, and whether status saw drift."""
    rc, out = rt.run(["status", name, "--json"], ok=(0, STATUS_DRIFT, STATUS_NOT_APPLIED))
    if rc == STATUS_NOT_APPLIED:
        return [], False
    rules = []
    for profile in json.loads(out.strip().splitlines()[-1]).get("profiles", []):
        if profile.get("name") != name:
            continue
        for rule in profile.get("rules", []):
            if rule.get("table") == "raw":
                rules.append((rule["family"], rule["rule"]))
    return sorted(rules), rc == STATUS_DRIFT


def check_present(rt, params):
    name = params["name"]
    _, text = rt.run(["apply", name, "--dry-run"] + profile_args(params))
    current, drift = applied_rules(rt, name)
    rules_changed = drift or planned_rules(text) != current
    config_changed = False
    if params["enabled"]:
        result = rt.run_json(["enable", name, "--dry-run"] + profile_args(params))
        config_changed = result["config_changed"]
    return rules_changed, config_changed, {}


def check_absent(rt, params):
    name = params["name"]
    rc, _ = rt.run(["status", name, "--json"], ok=(0, STATUS_DRIFT, STATUS_NOT_APPLIED))
    config_changed = False
    if params["enabled"] is False:
        config_changed = rt.run_json(["disable", name, "--dry-run"])["config_changed"]
    return rc != STATUS_NOT_APPLIED, config_changed, {}


def present(rt, params):
    name = params["name"]
    force = ["--force"] if params["force"] else []
    if params["enabled"]:
        result = rt.run_json(["enable", name] + profile_args(params) + force)
        return result["changed"], result["config_changed"], result
    result = rt.run_json(["apply", name] + profile_args(params) + force)
    return result["changed"], False, result


def absent(rt, params):
    name = params["name"]
    if params["enabled"] is False:
        result = rt.run_json(["disable", name])
        return result["removed"] > 0, result["config_changed"], result
    result = rt.run_json(["remove", name])
    return result["changed"], False, result


def main():
    module = AnsibleModule(
        argument_spec=dict(
            name=dict(type="str", required=True),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            ports=dict(type="list", elements="str"),
            protocols=dict(type="list", elements="str", choices=["tcp", "udp"]),
            family=dict(type="str", choices=["ipv4", "ipv6"]),
            enabled=dict(type="bool"),
            force=dict(type="bool", default=False),
            rawtune_bin=dict(type="path"),
        ),
        supports_check_mode=True,
    )
    params = module.params
    if params["state"] == "present" and params["enabled"] is False:
        module.fail_json(
            msg="enabled=false takes the profile out of rawtune.conf with 'rawtune disable', "
            "which removes its rules too: use it with state=absent"
        )
    if params["state"] == "absent" and params["enabled"]:
        module.fail_json(msg="enabled=true applies the profile: use it with state=present")
    if params["state"] == "absent" and (params["ports"] or params["protocols"] or params["family"]):
        module.fail_json(msg="state=absent removes the profile whatever its ports: "
                         "no ports, protocols or family")

    rt = Rawtune(module)
    if module.check_mode:
        act = check_present if params["state"] == "present" else check_absent
    else:
        act = present if params["state"] == "present" else absent
    rules_changed, config_changed, result = act(rt, params)
    module.exit_json(
        changed=bool(rules_changed or config_changed),
        rules_changed=bool(rules_changed),
        config_changed=bool(config_changed),
        rawtune=result,
    )


if __name__ == "__main__":
    main()
