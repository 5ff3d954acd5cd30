"""The Python sources hold no control characters: a backslash sequence such as the \\f of \\frac or
the \\b of \\bar, written into a docstring by a string that was not raw, shows up here."""
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[2]
CONTROL = re.compile(r"[\x00-\x08\x0b-\x0c\x0e-\x1f\x7f]")


def test_no_control_characters_in_the_sources():
    found = []
    for folder in ("tinygrad_edu", "experiments", "benchmarks", "tests", "scripts"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if CONTROL.search(line):
                    found.append(f"{path.relative_to(ROOT)}:{number}")
    assert not found, "control characters in: " + ", ".join(found)
