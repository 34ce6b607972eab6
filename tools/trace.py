#!/usr/bin/env python3
"""Prints the safety requirement -> test matrix.

Requirements are the rows of docs/safety.md's requirements table:
    | SR-07 | core | requirement text | H-01 |
A test cites the requirements it verifies with a comment directly above its definition
(other comment lines may stand between):
    // Verifies: SR-07, SR-12
    TEST(TipTemperature, BlocksNextPulseAt43CAndClearsBelow40C) {
JavaScript tests cite the same way above `test(` or `it(`, Python tests with `# Verifies:`.

Exit status: 0, or 1 if a test cites a requirement that does not exist, a citation is
not followed by a test, or the safety file has no requirements.
"""

import argparse
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
LAYERS = ("core", "board", "both", "daemon", "ui")
REQUIREMENT = re.compile(r"^\|\s*SR-(\d+)\s*\|\s*(" + "|".join(LAYERS) + r")\s*\|\s*(.*?)\s*\|")
CITATION = re.compile(r"^\s*(?://|#)\s*Verifies:\s*(.+)$")
SR_ID = re.compile(r"SR-(\d+)")
COMMENT = re.compile(r"^\s*(//|#|/\*|\*)")
TEST_DEFINITION = [
    re.compile(r"^\s*(?:TEST|TEST_F|TEST_P|TYPED_TEST|TYPED_TEST_P)\s*\(\s*(\w+)\s*,\s*(\w+)"),
    re.compile(r"""^\s*(?:test|it)(?:\.\w+)?\s*\(\s*(['"`])(.+?)\1"""),
    re.compile(r"^\s*(?:async\s+)?def\s+(test_\w+)"),
]
TEST_SUFFIXES = {".cpp", ".cc", ".h", ".js", ".mjs", ".ts", ".py"}


def read_requirements(path, root):
    requirements = {}
    errors = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        match = REQUIREMENT.match(line)
        if not match:
            continue
        sr = int(match.group(1))
        if sr in requirements:
            errors.append(f"{path.relative_to(root)}:{number}: SR-{sr:02d} is defined twice")
        requirements[sr] = (match.group(2), match.group(3))
    return requirements, errors


def test_name(line):
    for pattern in TEST_DEFINITION:
        match = pattern.match(line)
        if match:
            groups = [g for g in match.groups() if g and g not in "'\"`"]
            return ".".join(groups)
    return None


def read_citations(files):
    """Yields (file, line, test name or None, [SR numbers])."""
    for path in files:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
        for index, line in enumerate(lines):
            match = CITATION.match(line)
            if not match:
                continue
            ids = [int(n) for n in SR_ID.findall(match.group(1))]
            name = None
            for following in lines[index + 1:]:
                if COMMENT.match(following) or not following.strip():
                    continue
                name = test_name(following)
                break
            yield path, index + 1, name, ids


def test_files(root):
    for folder in ("tests", "frontend"):
        base = root / folder
        if not base.is_dir():
            continue
        for path in sorted(base.rglob("*")):
            if path.suffix in TEST_SUFFIXES and "node_modules" not in path.parts and path.is_file():
                yield path


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--summary", action="store_true", help="print only the per-layer lines")
    parser.add_argument("--root", default=str(ROOT), help="the repository to read")
    args = parser.parse_args()

    root = pathlib.Path(args.root).resolve()
    safety = root / "docs" / "safety.md"
    if not safety.is_file():
        print(f"trace: error: {safety} not found", file=sys.stderr)
        return 1
    requirements, errors = read_requirements(safety, root)
    if not requirements:
        errors.append(f"{safety}: no requirement rows (| SR-nn | layer | ... |) found")

    tests_of = {sr: [] for sr in requirements}
    for path, line, name, ids in read_citations(test_files(root)):
        where = f"{path.relative_to(root)}:{line}"
        if name is None:
            errors.append(f"{where}: 'Verifies:' is not followed by a test definition")
            continue
        if not ids:
            errors.append(f"{where}: 'Verifies:' names no SR-nn")
        for sr in ids:
            if sr not in requirements:
                errors.append(f"{where}: {name} cites SR-{sr:02d}, which docs/safety.md does not define")
                continue
            area = "/".join(path.relative_to(root).parts[1:-1])
            tests_of[sr].append(f"{name} [{area}]")

    if not args.summary:
        for sr in sorted(requirements):
            layer, text = requirements[sr]
            tests = sorted(set(tests_of[sr]))
            shown = ", ".join(tests) if tests else "(no test)"
            print(f"SR-{sr:02d}  {layer:<6}  {len(tests):>3}  {text[:60]:<60}  {shown}")
        print()

    for layer in LAYERS:
        ids = [sr for sr, (l, _) in requirements.items() if l == layer]
        if ids:
            untested = sum(1 for sr in ids if not tests_of[sr])
            print(f"trace: {layer} {len(ids)} requirements, {untested} without a test")
    untested = sum(1 for sr in requirements if not tests_of[sr])
    for error in errors:
        print(f"trace: error: {error}", file=sys.stderr)
    print(f"trace: {len(requirements)} requirements, {untested} without a test")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
