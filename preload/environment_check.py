#!/usr/bin/env python3
"""The preload's environment variables as a user meets them: the machine
UAPIKIT_FAKE_TOPOLOGY describes (or the default without it), and what a bad
value of it or of UAPIKIT_FAKE_CAPS does: one line on stderr that names the
variable and the bad part, and exit status 2 (docs/fake-semantics.md, "The
host, and its environment variables").

Usage: environment_check.py PRELOAD_TOPOLOGY LIBUAPIKIT_PRELOAD"""
import os
import subprocess
import sys

# (what, environment, the program's arguments: the devices it must find)
MACHINES = [
    ("no UAPIKIT_FAKE_TOPOLOGY: vfio0 and vfio1 behind one ARM SMMUv3, vfio2 behind an AMD IOMMU",
     {}, ["arm-smmuv3/a", "arm-smmuv3/a", "amd/b"]),
    ("three instances, two of one kind, every separator",
     {"UAPIKIT_FAKE_TOPOLOGY": "intel-vtd:1, arm-smmuv3:1;arm-smmuv3:2"},
     ["intel-vtd/a", "arm-smmuv3/b", "arm-smmuv3/c", "arm-smmuv3/c"]),
    ("an instance with no devices takes no vfio number",
     {"UAPIKIT_FAKE_TOPOLOGY": "amd:0 arm-smmuv3:1"}, ["arm-smmuv3/a"]),
]

# (environment, what stderr must name besides the variable)
BAD = [
    ({"UAPIKIT_FAKE_TOPOLOGY": "arm-smmuv3:2 riscv:1"}, "unknown IOMMU kind 'riscv'"),
    ({"UAPIKIT_FAKE_TOPOLOGY": "amd"}, "'amd' has no device count"),
    ({"UAPIKIT_FAKE_TOPOLOGY": "amd:two"}, "bad device count 'two'"),
    ({"UAPIKIT_FAKE_TOPOLOGY": "amd:65"}, "bad device count '65'"),
    ({"UAPIKIT_FAKE_CAPS": "sys_resource sys_admin"}, "unknown capability 'sys_admin'"),
]


def run(program, preload, env, args):
    full = {k: v for k, v in os.environ.items() if not k.startswith("UAPIKIT_FAKE_")}
    full.update(env, LD_PRELOAD=preload)
    return subprocess.run([program, *args], env=full, capture_output=True, text=True, timeout=60)


def main():
    program, preload = sys.argv[1], sys.argv[2]
    bad = 0
    for what, env, devices in MACHINES:
        r = run(program, preload, env, devices)
        ok = r.returncode == 0
        print(f"{'ok  ' if ok else 'FAIL'} {what}: exit {r.returncode}")
        if not ok:
            sys.stdout.write(r.stdout + r.stderr)
            bad += 1
    for env, why in BAD:
        (name, value), = env.items()
        r = run(program, preload, env, [])
        line = f'libuapikit-preload: {name}="{value}": {why}'
        ok = r.returncode == 2 and line in r.stderr
        print(f"{'ok  ' if ok else 'FAIL'} {name}={value!r}: exit {r.returncode} (want 2), "
              f"stderr {'says' if line in r.stderr else 'does not say'} {line!r}")
        if not ok:
            sys.stdout.write(r.stdout + r.stderr)
            bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
