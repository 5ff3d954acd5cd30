"""scripts/check_setup.py: what the derivations' build, the browser test and the graph tests use
comes from scripts/setup.sh's Debian packages (or their Depends, or the base system), and dropping
a needed package from that list is caught."""
import importlib.util
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CHECK = REPO / "scripts" / "check_setup.py"
NEEDS = [t for t in ("dpkg", "dpkg-query", "latexmk") if shutil.which(t) is None]
needs_debian = pytest.mark.skipif(bool(NEEDS), reason=f"the set-up check needs {', '.join(NEEDS)} "
                                  "(a Debian system after scripts/setup.sh), absent here")


def _module():
    spec = importlib.util.spec_from_file_location("check_setup", CHECK)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _check(*args):
    return subprocess.run([sys.executable, str(CHECK), *args], capture_output=True, text=True, timeout=900)


def test_relations_keep_alternatives_and_drop_versions():
    cs = _module()
    assert cs.relations("a (>= 1.2), b | c:any, d [amd64], ") == [["a"], ["b", "c"], ["d"]]


def test_closure_follows_depends_alternatives_and_virtual_packages_not_recommends():
    cs = _module()
    row = lambda depends="", provides="", pre="": {"Depends": depends, "Pre-Depends": pre, "Provides": provides,
                                                    "Priority": "optional", "Essential": "no"}
    db = {"top": row("lib1 (>= 2), missing | alt", pre="pre"), "lib1": row("virt"), "alt": row(),
          "pre": row(), "impl": row(provides="virt"), "recommended": row(), "base": row()}
    db["base"]["Priority"] = "required"
    assert cs.closure({"top"}, db) == {"top", "lib1", "alt", "pre", "impl"}
    assert cs.base_system(db) == {"base"}


@needs_debian
def test_the_list_is_read_from_setup_sh():
    packages = _module().setup_packages()
    assert {"lmodern", "graphviz", "chromium", "latexmk"} <= set(packages)
    assert not [p for p in packages if p.startswith("#") or "(" in p]


@needs_debian
def test_setup_list_covers_everything_used():
    done = _check()
    assert done.returncode == 0, done.stdout + done.stderr
    assert "check-setup: OK" in done.stdout


@needs_debian
def test_dropping_a_needed_package_is_caught():
    done = _check("--without", "lmodern")
    assert done.returncode == 1, done.stdout + done.stderr
    missing = [l for l in done.stdout.splitlines() if l.startswith("check-setup: MISSING:")]
    assert len(missing) == 1 and missing[0].startswith("check-setup: MISSING: lmodern:"), done.stdout
    assert "lmodern.sty" in missing[0] and "derivations/" in missing[0]


def test_make_bench_installs_clang_which_only_tinygrad_reads():
    """clang is read only by tinygrad's CPU device, a peer of `make bench`: the bench target runs
    scripts/setup_bench.sh first, which installs the Debian package clang when it is missing, and
    nothing that `make test` runs needs it (no test, engine or experiment file names it)."""
    makefile = (REPO / "Makefile").read_text()
    bench = makefile[makefile.index("\nbench:"):].split("\n\n")[0]
    assert "scripts/setup_bench.sh" in bench
    setup_bench = (REPO / "scripts" / "setup_bench.sh").read_text()
    assert re.search(r"apt-get install[^\n]*\bclang\b", setup_bench)
    readers = [p for d in ("tinygrad_edu", "experiments", "torch_ref", "tests")
               for p in (REPO / d).rglob("*.py") if "clang" in p.read_text() and p != Path(__file__).resolve()]
    assert readers == []
