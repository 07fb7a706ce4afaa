#!/usr/bin/env python3
"""Prints the closing 'N passed, N failed' line from meson's test logs
(after a line 'N skipped').

A doctest program counts as many tests as the cases it ran (read from its
own summary line), a Python unittest program as many as it ran; any other
test counts as one. Exit status 1 when any
test failed or when no test ran at all.
"""
import json
import re
import sys

DOCTEST_SUMMARY = re.compile(
    r"\[doctest\] test cases:\s*(\d+)\s*\|\s*(\d+) passed\s*\|\s*(\d+) failed\s*\|\s*(\d+) skipped")
# Python's unittest: "Ran N tests" then "OK" or "FAILED (failures=F, errors=E, skipped=S)".
UNITTEST_RAN = re.compile(r"^Ran (\d+) tests? in ", re.M)
UNITTEST_BAD = re.compile(r"(failures|errors|skipped)=(\d+)")


def unittest_counts(text):
    """(passed, failed, skipped) from a unittest run's report, or None."""
    ran = UNITTEST_RAN.findall(text)
    if not ran:
        return None
    total = int(ran[-1])
    tail = text[text.rfind("Ran "):]
    bad = {k: int(v) for k, v in UNITTEST_BAD.findall(tail)}
    failed = bad.get("failures", 0) + bad.get("errors", 0)
    skipped = bad.get("skipped", 0)
    return total - failed - skipped, failed, skipped


def count(testlog_path):
    passed = failed = skipped = 0
    failures = []
    with open(testlog_path, encoding="utf-8") as log:
        for line in log:
            if not line.strip():
                continue
            entry = json.loads(line)
            result = entry.get("result", "")
            text = (entry.get("stdout", "") or "") + (entry.get("stderr", "") or "")
            summary = DOCTEST_SUMMARY.findall(text)
            units = None if summary else unittest_counts(text)
            if units:
                ok, bad, skip = units
                if result not in ("OK", "EXPECTEDFAIL") and bad == 0:
                    bad = 1
                passed, failed, skipped = passed + ok, failed + bad, skipped + skip
            elif summary:
                _, ok, bad, skip = (int(x) for x in summary[-1])
                # A crash after the summary still fails the program.
                if result not in ("OK", "EXPECTEDFAIL") and bad == 0:
                    bad = 1
                passed, failed, skipped = passed + ok, failed + bad, skipped + skip
            elif result in ("OK", "EXPECTEDFAIL"):
                passed += 1
            elif result == "SKIP":
                skipped += 1
            else:
                failed += 1
            if result not in ("OK", "EXPECTEDFAIL", "SKIP"):
                failures.append(entry.get("name", "?"))
    return passed, failed, skipped, failures


def main(argv):
    # --build-failures N: builds that failed before any test could run.
    passed = skipped = 0
    failed = 0
    paths = []
    args = iter(argv)
    for arg in args:
        if arg == "--build-failures":
            failed += int(next(args))
        else:
            paths.append(arg)
    for path in paths:
        try:
            p, f, s, names = count(path)
        except OSError as err:  # meson never wrote its log: count the run as failed
            p, f, s, names = 0, 1, 0, [f"no test log ({err.strerror})"]
        passed, failed, skipped = passed + p, failed + f, skipped + s
        for name in names:
            print(f"FAILED: {name} ({path})")
    print(f"{skipped} skipped")
    # CI reads this line, alone, as the last one.
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 and passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
