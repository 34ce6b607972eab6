#!/usr/bin/env python3
"""Mutation testing of the safety controls (docs/testing.md, "Mutation").

Each mutant of tests/mutation/mutants.toml disables or loosens one control. One at a
time, in a scratch copy of the tree (the files git tracks, as they are in the working
tree), the mutant is applied, the `dev` preset rebuilt and the mutant's tests run: a
failing test kills it; a mutant whose tests all pass survived, and that control needs a
test. The scratch copy and its build are kept between runs (build-mutate/), so each
mutant costs an incremental build.

    tools/mutate.py [--only ID[,ID...]] [--list] [--check] [--scratch DIR]

Prints one line per mutant and ends with `mutants: N killed, M survived`; exit 1 when
one survived or could not be applied or built, 2 on a bad mutants file or flag.
"""
import argparse
import os
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MUTANTS = ROOT / "tests" / "mutation" / "mutants.toml"
FIELDS = ("id", "control", "file", "find", "replace", "tests")


def fail(message, code=2):
    print(f"mutate: {message}", file=sys.stderr)
    sys.exit(code)


def load(path):
    try:
        with open(path, "rb") as f:
            mutants = tomllib.load(f).get("mutant", [])
    except (OSError, tomllib.TOMLDecodeError) as e:
        fail(f"{path}: {e}")
    seen = set()
    for n, m in enumerate(mutants, 1):
        missing = [k for k in FIELDS if k not in m]
        if missing:
            fail(f"{path}: mutant {n} ({m.get('id', '?')}) lacks {', '.join(missing)}")
        if m["id"] in seen:
            fail(f"{path}: mutant id {m['id']} appears twice")
        seen.add(m["id"])
    return mutants


def check(mutant, root):
    """Why the mutant cannot be applied to the tree at `root`, or None."""
    path = root / mutant["file"]
    if not path.is_file():
        return f"{mutant['file']} does not exist"
    count = path.read_text().count(mutant["find"])
    if count != 1:
        return f"its text occurs {count} times in {mutant['file']}, not once"
    return None


def run(command, cwd, log):
    with open(log, "w") as out:
        return subprocess.run(command, cwd=cwd, stdout=out, stderr=subprocess.STDOUT).returncode


def sync_scratch(scratch):
    """Copies the tracked files into `scratch`, only those that differ (the others keep
    their times, so the scratch build stays incremental)."""
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, check=True,
                           capture_output=True).stdout.decode().split("\0")
    for name in filter(None, files):
        source, target = ROOT / name, scratch / name
        if not source.is_file():
            continue  # deleted in the working tree
        data = source.read_bytes()
        if target.is_file() and target.read_bytes() == data:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        target.chmod(source.stat().st_mode)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="comma-separated mutant IDs")
    parser.add_argument("--list", action="store_true", help="list the mutants and exit")
    parser.add_argument("--check", action="store_true",
                        help="only check that every mutant applies to this tree")
    parser.add_argument("--scratch", default=str(ROOT / "build-mutate"),
                        help="the scratch copy's directory (default build-mutate/)")
    args = parser.parse_args()

    mutants = load(MUTANTS)
    if args.only:
        wanted = set(args.only.split(","))
        unknown = wanted - {m["id"] for m in mutants}
        if unknown:
            fail(f"--only: no mutant {', '.join(sorted(unknown))} in {MUTANTS}")
        mutants = [m for m in mutants if m["id"] in wanted]
    if args.list:
        for m in mutants:
            print(f"{m['id']:40} {m['control']}")
        return 0
    problems = [(m["id"], why) for m in mutants if (why := check(m, ROOT))]
    for mid, why in problems:
        print(f"mutate: mutant {mid}: {why}", file=sys.stderr)
    if args.check or problems:
        print(f"mutants: {len(mutants) - len(problems)} apply, {len(problems)} do not")
        return 1 if problems else 0

    scratch = Path(args.scratch).resolve()
    sync_scratch(scratch)
    logs = scratch / "mutate-logs"
    logs.mkdir(exist_ok=True)
    build = ["cmake", "--build", "--preset", "dev"]
    if run(["cmake", "--preset", "dev"], scratch, logs / "configure.log") != 0 or \
            run(build, scratch, logs / "build.log") != 0:
        fail(f"the unmutated scratch copy does not build: {logs}/", 1)

    killed, survived, broken = [], [], []
    for m in mutants:
        path = scratch / m["file"]
        original = path.read_text()
        path.write_text(original.replace(m["find"], m["replace"], 1))
        try:
            log = logs / f"{m['id']}.log"
            if run(build, scratch, log) != 0:
                broken.append(m["id"])
                verdict = f"does not build (see {log})"
            else:
                status = run(["ctest", "--preset", "dev", "-R", m["tests"], "--timeout", "900",
                              "--no-tests=error"], scratch, log)
                if status != 0:
                    killed.append(m["id"])
                    verdict = "killed"
                else:
                    survived.append(m["id"])
                    verdict = f"SURVIVED (its tests passed: {log})"
        finally:
            path.write_text(original)
        print(f"mutant {m['id']}: {verdict}  [{m['control']}]", flush=True)
    # Back to the unmutated build, so the next run starts from it.
    run(build, scratch, logs / "build.log")
    if broken:
        print(f"mutants that did not build: {', '.join(broken)}")
    if survived:
        print(f"survivors: {', '.join(survived)}")
    print(f"mutants: {len(killed)} killed, {len(survived)} survived")
    return 1 if survived or broken else 0


if __name__ == "__main__":
    os.environ.setdefault("CCACHE_BASEDIR", str(ROOT.parent))
    sys.exit(main())
