#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The netlink specs (Documentation/netlink/specs/*.yaml) against their UAPI
# headers (spec_check.py: every attribute, enum value, command, the family
# name and groups, compiled as static assertions), and against the
# kernel's genetlink schema when $GENETLINK_SCHEMA names it (and
# python3-jsonschema is installed).
set -u
. "$(dirname "$0")/lib.sh"
top=$(cd "$here/../.." && pwd)
specs=$top/Documentation/netlink/specs

have_yaml() {
	python3 -c 'import yaml' 2>/dev/null || { skip "no python3-yaml"; return 1; }
}

# check_header SPEC: the spec agrees with its header
check_header() {
	have_yaml || return
	python3 "$here/spec_check.py" "$specs/$1" "$top/include/uapi" >"$T/sc" 2>&1 ||
		fail "$1: $(cat "$T/sc")"
}

test_vid_header() {
	check_header hvkvm_vid.yaml
}

test_vmbus_header() {
	check_header hvkvm_vmbus.yaml
}

test_ic_header() {
	check_header hvkvm_ic.yaml
}

test_schema() {
	local schema=${GENETLINK_SCHEMA:-} f
	have_yaml || return
	[ -n "$schema" ] && [ -r "$schema" ] || { skip "GENETLINK_SCHEMA not set"; return; }
	python3 -c 'import jsonschema' 2>/dev/null || { skip "no python3-jsonschema"; return; }
	for f in "$specs"/*.yaml; do
		python3 -c 'import sys, yaml, jsonschema
jsonschema.validate(yaml.safe_load(open(sys.argv[2])), yaml.safe_load(open(sys.argv[1])))' \
			"$schema" "$f" >"$T/sc" 2>&1 || fail "$f: $(tail -5 "$T/sc")"
	done
}

tap_run
