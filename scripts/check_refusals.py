#!/usr/bin/env python3
"""Checks README.md's "What neuropop refuses and why" table against the tests: every row must name
a test file that exists and a TEST_CASE in it whose name starts with the given text, so a rule
cannot stay documented after its test is gone. Usage: check_refusals.py REPO_ROOT. Prints
'N passed, M failed' and exits 1 on any failure."""
import os
import re
import sys


def test_names(path):
    """TEST_CASE names of a Catch2 file, adjacent string literals joined."""
    text = open(path, encoding="utf-8").read()
    names = []
    for m in re.finditer(r'TEST_CASE\(\s*((?:"(?:[^"\\]|\\.)*"\s*)+)', text):
        parts = re.findall(r'"((?:[^"\\]|\\.)*)"', m.group(1))
        names.append("".join(parts))
    return names


def rows(readme):
    lines = open(readme, encoding="utf-8").read().splitlines()
    start = lines.index("## What neuropop refuses and why")
    for line in lines[start + 1:]:
        if line.startswith("## "):
            break
        if line.startswith("| ") and not line.startswith("| situation") and "---" not in line:
            yield line


def main(root):
    passed = failed = 0
    for row in rows(os.path.join(root, "README.md")):
        cells = [c.strip() for c in row.strip("|").split("|")]
        proof = cells[-1]
        file, _, case = proof.partition(": ")
        path = os.path.join(root, file)
        if not os.path.isfile(path):
            print(f"FAILED: {file}: no such test file (row: {cells[0]})")
            failed += 1
            continue
        if not any(n.startswith(case) for n in test_names(path)):
            print(f"FAILED: {file}: no TEST_CASE starting '{case}' (row: {cells[0]})")
            failed += 1
            continue
        passed += 1
    if passed == 0:
        print("FAILED: the table has no rows")
        failed += 1
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "."))
