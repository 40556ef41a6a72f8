#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Check a genetlink YAML spec against its UAPI header: every name the spec
implies (attributes, enum values, commands, the family's name and group)
must be a C constant of that value, and each enum's __MAX must agree."""
import subprocess, sys, tempfile, os
import yaml

def c(*parts):
    return "_".join(p for p in parts if p).upper().replace("-", "_")

def asserts(spec):
    fam = spec["name"]
    out = []
    for d in spec.get("definitions", []):
        if d["type"] == "const":
            out.append((c(fam, d["name"]), d["value"]))
        elif d["type"] == "enum":
            v = d.get("value-start", 0)
            for e in d["entries"]:
                e = e if isinstance(e, dict) else {"name": e}
                v = e.get("value", v)
                out.append((c(fam, d["name"], e["name"]), v))
                v += 1
    for s in spec["attribute-sets"]:
        if "subset-of" in s:
            continue
        prefix = s.get("name-prefix", fam + "-" + s["name"] + "-a-")
        v = 0
        for a in s["attributes"]:
            v = a.get("value", v)
            out.append((c(prefix + a["name"]), v))
            v += 1
        out.append(("__" + c(prefix + "max"), v))
    ops = spec["operations"]
    v = 0
    for o in ops["list"]:
        v = o.get("value", v)
        out.append((c(ops.get("name-prefix", fam + "-cmd-") + o["name"]), v))
        v += 1
    out.append(("__" + c(ops.get("name-prefix", fam + "-cmd-") + "max"), v))
    return out

def main(spec_path, include):
    spec = yaml.safe_load(open(spec_path))
    lines = ['#include <string.h>', '#include <%s>' % spec["uapi-header"]]
    for name, val in asserts(spec):
        lines.append('_Static_assert(%s == %s, "%s");' % (name, val, name))
    fam = spec["name"]
    lines.append('_Static_assert(sizeof(%s) == sizeof("%s"), "name");' % (c(fam, "genl-name"), fam))
    for g in spec.get("mcast-groups", {}).get("list", []):
        lines.append('static const char grp_%s[] = %s;' % (c(g["name"]).lower(), c(fam, "mcgrp", g["name"])))
    with tempfile.NamedTemporaryFile("w", suffix=".c", delete=False) as f:
        f.write("\n".join(lines) + "\nint main(void) { return 0; }\n")
    r = subprocess.run(["cc", "-fsyntax-only", "-Wall", "-I" + include, f.name],
                       capture_output=True, text=True)
    os.unlink(f.name)
    if r.returncode:
        sys.stdout.write(r.stderr)
        return 1
    print("%s: %d constants agree with %s" % (spec_path, len(asserts(spec)), spec["uapi-header"]))
    return 0

if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
