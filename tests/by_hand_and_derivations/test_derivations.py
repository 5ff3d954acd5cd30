"""derivations/*.tex: the PDFs build, every [derive] id has its section, every \\code and \\test
reference names a file and function that exist (the numeric claims: test_derivation_claims_<sheet>.py)."""
import ast
import re
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DERIVATIONS = REPO / "derivations"
TASKS = REPO.parent / "shared" / "TASKS.md"   # CI clones the repo with ../shared beside it

# The checked-in copy of the [derive] ids of ../shared/TASKS.md, so that this test cannot pass
# silently where shared/ is absent. test_checked_in_ids_are_current keeps it in step.
DERIVE_IDS = """
mlph08.1a mlph08.1c mlph08.1f mlph08.2a mlph08.2b mlph08.2c mlph08.2d mlph08.3a mlph08.3d
ee411.1.2 ee411.1.3 ee411.1.4 ee411.2.1 ee411.2.4 ee411.2.5
nni2.2 nni2.3 nni2.T1 nni2.T2 nni2.T3 nni2.T4
cpsc663.P1.1 cpsc663.P1.2 cpsc663.P2.1 cpsc663.P2.2 cpsc663.P2.3 cpsc663.P3.1 cpsc663.P3.2
cpsc663.P3.3 cpsc663.P4.1 cpsc663.P5.1 cpsc663.P5.2 cpsc663.P5.3 cpsc663.P6.3 cpsc663.bonus
""".split()

SECTION = re.compile(r"\\(?:sub)*section\*?\{\s*([A-Za-z0-9]+(?:\.[A-Za-z0-9]+)+):")
REFERENCE = re.compile(r"\\(code|test)\{([^}]*)\}")


def _sources():
    files = sorted(DERIVATIONS.glob("*.tex"))
    assert files, f"no .tex files in {DERIVATIONS}"
    return {path.name: path.read_text(encoding="utf-8") for path in files}


def _ids_from_tasks(text):
    return [m.group(1) for m in re.finditer(r"^- `([^`]+)` ((?:\[[a-z]+\])+)", text, re.M)
            if "[derive]" in m.group(2)]


def test_checked_in_ids_are_current():
    assert len(DERIVE_IDS) == len(set(DERIVE_IDS)) == 35
    if not TASKS.exists():
        pytest.skip(f"{TASKS} is absent; the checked-in list of {len(DERIVE_IDS)} ids is used alone")
    from_tasks = _ids_from_tasks(TASKS.read_text(encoding="utf-8"))
    assert from_tasks, "no [derive] ids parsed from TASKS.md: has its format changed?"
    assert sorted(from_tasks) == sorted(DERIVE_IDS), "update DERIVE_IDS to match ../shared/TASKS.md"


def test_every_derive_id_has_a_section():
    wanted = set(DERIVE_IDS)
    if TASKS.exists():
        wanted |= set(_ids_from_tasks(TASKS.read_text(encoding="utf-8")))
    found = {}
    for name, text in _sources().items():
        for task in SECTION.findall(text):
            assert task not in found, f"{task} has sections in both {found[task]} and {name}"
            found[task] = name
    missing = sorted(wanted - set(found))
    assert not missing, f"[derive] ids without a section in derivations/: {missing}"


def _defined_names(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {node.name for node in ast.walk(tree)
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}


def test_every_code_and_test_reference_exists():
    references = [(name, kind, ref) for name, text in _sources().items()
                  for kind, ref in REFERENCE.findall(text)]
    kinds = {kind for _, kind, _ in references}
    assert kinds == {"code", "test"} and len(references) > 40
    for name, kind, ref in references:
        path, _, function = ref.partition("::")
        target = REPO / path
        assert target.is_file(), f"{name}: \\{kind}{{{ref}}} names a missing file {path}"
        if function:
            assert function in _defined_names(target), f"{name}: {path} defines no {function}"
        if kind == "test":
            assert path.startswith("tests/") and Path(path).name.startswith("test_") \
                and function.startswith("test_"), f"{name}: {ref}"


def test_sheet_errors_are_stated():
    text = " ".join(_sources().values())
    for phrase in ["factor $\\tfrac12$", "\\emph{nine} classes", "standard deviation", "aliases",
                   "Aliased checkpoint", "per anchor", "exp(-2*k*np.log(10000)) /", "no cross terms",
                   "left the mode-collapse question unanswered", "sparsity", "not in the seed"]:
        assert phrase in text, f"the derivations do not mention {phrase!r}"


@pytest.mark.skipif(shutil.which("latexmk") is None,
                    reason="latexmk is not installed (the texlive-latex-base, texlive-latex-recommended "
                           "and latexmk packages); the PDFs cannot be built here")
def test_pdfs_build(tmp_path):
    build = tmp_path / "build"
    done = subprocess.run(["make", "-C", str(DERIVATIONS), f"BUILD={build}"],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    for name in _sources():
        pdf = build / name.replace(".tex", ".pdf")
        assert pdf.is_file() and pdf.read_bytes()[:5] == b"%PDF-", f"{pdf} was not built"
        log = (build / name.replace(".tex", ".log")).read_text(errors="replace")
        assert not re.search(r"LaTeX Warning: (Reference|Citation).*undefined", log), name
        assert "Output written" in log and int(re.search(r"\((\d+) pages?", log).group(1)) >= 1
