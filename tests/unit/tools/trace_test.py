"""tools/trace.py: the requirement -> test matrix and its refusal of unknown citations."""

import pathlib
import subprocess
import sys
import tempfile
import textwrap
import unittest

# Spelled apart so the trace of this repository does not read these fixtures as citations.
CITES = "Verifies" + ":"

TRACE = pathlib.Path(__file__).resolve().parents[3] / "tools" / "trace.py"

SAFETY = """\
| ID | layer | requirement | hazards |
|---|---|---|---|
| SR-01 | core | Ends the pulse at 43 C | H-01 |
| SR-02 | board | Dead-man at 50 ms | H-07 |
| SR-03 | daemon | Stores the record | H-01 |
"""


class TraceTest(unittest.TestCase):
    def run_trace(self, tests, safety=SAFETY):
        with tempfile.TemporaryDirectory() as root:
            root = pathlib.Path(root)
            (root / "docs").mkdir()
            (root / "docs" / "safety.md").write_text(safety)
            for name, text in tests.items():
                path = root / "tests" / name
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(textwrap.dedent(text))
            result = subprocess.run([sys.executable, str(TRACE), "--root", str(root)],
                                    capture_output=True, text=True, check=False)
            return result.returncode, result.stdout, result.stderr

    def test_counts_cited_requirements_per_layer(self):
        rc, out, _ = self.run_trace({"unit/a_test.cpp": f"""\
            // {CITES} SR-01, SR-02
            // Skin temperature scenario.
            TEST(TipTemperature, EndsPulseAt43C) {{}}
            """})
        self.assertEqual(rc, 0)
        self.assertIn("trace: core 1 requirements, 0 without a test", out)
        self.assertIn("trace: board 1 requirements, 0 without a test", out)
        self.assertIn("trace: daemon 1 requirements, 1 without a test", out)
        self.assertTrue(out.rstrip().endswith("trace: 3 requirements, 1 without a test"))
        self.assertRegex(out, r"SR-01 .* TipTemperature\.EndsPulseAt43C")

    def test_reads_javascript_and_python_citations(self):
        rc, out, _ = self.run_trace({
            "browser/stop.spec.mjs": f"// {CITES} SR-03\ntest('STOP is always shown', async () => {{}});\n",
            "integration/x_test.py": f"# {CITES} SR-02\ndef test_dead_man():\n    pass\n",
        })
        self.assertEqual(rc, 0)
        self.assertRegex(out, r"SR-03 .* STOP is always shown")
        self.assertRegex(out, r"SR-02 .* test_dead_man")

    def test_fails_on_a_citation_of_an_unknown_requirement(self):
        rc, _, err = self.run_trace({"unit/a_test.cpp": f"// {CITES} SR-99\nTEST(A, B) {{}}\n"})
        self.assertEqual(rc, 1)
        self.assertIn("cites SR-99, which docs/safety.md does not define", err)

    def test_fails_on_a_citation_not_followed_by_a_test(self):
        rc, _, err = self.run_trace({"unit/a_test.cpp": f"// {CITES} SR-01\nint x = 0;\n"})
        self.assertEqual(rc, 1)
        self.assertIn("is not followed by a test definition", err)

    def test_fails_on_a_requirement_defined_twice(self):
        rc, _, err = self.run_trace({}, SAFETY + "| SR-01 | ui | again | H-01 |\n")
        self.assertEqual(rc, 1)
        self.assertIn("SR-01 is defined twice", err)


if __name__ == "__main__":
    unittest.main()
