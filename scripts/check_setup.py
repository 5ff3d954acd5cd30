"""Does everything the build and the tests use come from a package that scripts/setup.sh installs?

    python scripts/check_setup.py                      # (make check-setup) the list in scripts/setup.sh
    python scripts/check_setup.py --without lmodern    # as if lmodern were dropped from the list
    python scripts/check_setup.py --packages "graphviz latexmk ..."   # another list altogether

What is checked: every file the LaTeX build of derivations/*.tex opens (latexmk -recorder writes
them to a .fls file), the `chromium` and `dot` commands with the shared libraries they load. Each
file's Debian package (dpkg -S) must be in the dependency closure of the set-up list (Depends and
Pre-Depends, not Recommends, read from dpkg's database with dpkg-query, so no apt lists are needed)
or of the base system (Priority required/important, or Essential). Otherwise the package is a
missing install step that only this machine happens to have: it is printed with the files that
need it, and the exit code is 1. Files that no package owns are errors too, except those that
tex-common's triggers generate (formats, font maps, texmf.cnf under /var/lib/texmf, /etc/texmf).
"""
from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SETUP = REPO / "scripts" / "setup.sh"
DERIVATIONS = REPO / "derivations"
LATEXMK_FLAGS = ["-pdf", "-recorder", "-interaction=nonstopmode", "-halt-on-error", "-file-line-error"]
GENERATED = ("/var/lib/texmf/", "/etc/texmf/")        # written by tex-common's triggers, owned by none
TOOLS = {"latexmk": "make pdf", "pdflatex": "make pdf",
         "chromium": "the browser test, tests/report/test_report_page.py",
         "dot": "the graph tests, tests/engine/test_viz.py"}
BASE_PRIORITIES = ("required", "important")
FIELDS = ["Package", "Status", "Priority", "Essential", "Provides", "Depends", "Pre-Depends"]


def setup_packages(setup=SETUP):
    """The Debian packages that scripts/setup.sh installs: the one list, as bash itself reads it."""
    done = subprocess.run(["bash", str(setup), "--list-packages"], capture_output=True, text=True, check=True)
    return done.stdout.split()


# --- dpkg's database: what is installed, and the Depends closure ------------------------------------
def _bare(name):
    return name.strip().split(":")[0]


def relations(field):
    """'a (>= 1), b | c:any' -> [['a'], ['b', 'c']]: groups of alternatives, versions dropped."""
    groups = []
    for group in filter(None, (g.strip() for g in field.split(","))):
        groups.append([_bare(re.sub(r"[\(\[<].*$", "", alt)) for alt in group.split("|")])
    return groups


def installed_db():
    """{package: {field: value}} of every installed package (all architectures merged)."""
    fmt = "\\t".join("${%s}" % f for f in FIELDS) + "\\n"
    out = subprocess.run(["dpkg-query", "-W", "-f", fmt], capture_output=True, text=True, check=True).stdout
    db = {}
    for line in out.splitlines():
        row = dict(zip(FIELDS, line.split("\t")))
        if row.get("Status", "").endswith(" installed"):
            entry = db.setdefault(row["Package"], {**row, "Depends": "", "Pre-Depends": ""})
            for key in ("Depends", "Pre-Depends"):
                entry[key] = ", ".join(filter(None, (entry[key], row[key])))
    return db


def _providers(db):
    provides = {}
    for name, row in db.items():
        for (virtual, *_) in relations(row["Provides"]):
            provides.setdefault(virtual, set()).add(name)
    return provides


def closure(roots, db):
    """The installed packages that ``roots`` need through Depends/Pre-Depends. Of alternatives
    ``a | b`` every installed one counts; a virtual name counts as its installed providers."""
    provides, seen, todo = _providers(db), set(), list(roots)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        if name not in db:
            todo.extend(provides.get(name, ()))
            continue
        for group in relations(db[name]["Depends"] + ", " + db[name]["Pre-Depends"]):
            for alt in group:
                todo.extend([alt] if alt in db else provides.get(alt, ()))
    return seen & set(db)


def base_system(db):
    return {n for n, r in db.items() if r["Priority"] in BASE_PRIORITIES or r["Essential"] == "yes"}


# --- what the build and the tests use ----------------------------------------------------------------
def latex_inputs(build):
    """Build every derivation with the recorder: ({file read: why}, [build errors])."""
    used, errors = {}, []
    for tex in sorted(DERIVATIONS.glob("*.tex")):
        done = subprocess.run(["latexmk", *LATEXMK_FLAGS, f"-outdir={build}", tex.name], cwd=DERIVATIONS,
                              stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=600)
        fls = Path(build) / (tex.stem + ".fls")
        for line in (fls.read_text(errors="replace").splitlines() if fls.is_file() else []):
            if line.startswith("INPUT /"):
                used.setdefault(line[6:], f"make pdf: derivations/{tex.name}")
        if done.returncode != 0:
            first = next((l for l in done.stdout.splitlines() if l.lstrip().startswith("!") or ":" in l
                          and "Error" in l), "see its log")
            errors.append(f"derivations/{tex.name} does not build here: {first.strip()}")
    return {p: why for p, why in used.items() if not p.startswith((str(build), str(REPO)))}, errors


def _elf(path):
    with open(path, "rb") as fh:
        return fh.read(4) == b"\x7fELF"


def tool_files(command, why):
    """The command, what it resolves to, the program a wrapper script starts, and their libraries."""
    found = shutil.which(command)
    if found is None:
        return {}, [f"`{command}` is not on PATH here; {why} needs it"]
    files = {found: why, str(Path(found).resolve()): why}
    if not _elf(Path(found).resolve()):                  # a wrapper script: its package's real program
        for pkg in owners([str(Path(found).resolve())]).get(str(Path(found).resolve()), ()):
            listed = subprocess.run(["dpkg", "-L", pkg], capture_output=True, text=True).stdout.split()
            files.update({p: why for p in listed if Path(p).name == command and Path(p).is_file() and _elf(p)})
    for path in [p for p in list(files) if _elf(p)]:
        ldd = subprocess.run(["ldd", path], capture_output=True, text=True).stdout
        files.update({m: f"{why}; a library of {path}" for m in re.findall(r"=> (/\S+)", ldd)})
    return files, []


# --- files -> packages -> verdict ------------------------------------------------------------------
def _variants(path):
    """The names dpkg may know a file by, in order: as given, across the /usr merge, then resolved."""
    names = []
    for name in (path, str(Path(path).resolve())):
        names.append(name)
        for merged, legacy in (("/usr/lib/", "/lib/"), ("/usr/bin/", "/bin/"), ("/usr/sbin/", "/sbin/")):
            if name.startswith(merged):
                names.append(legacy + name[len(merged):])
            elif name.startswith(legacy):
                names.append(merged + name[len(legacy):])
    return list(dict.fromkeys(names))


def owners(paths):
    """{path: {packages}} by dpkg -S (one call), from the first name of the file dpkg knows;
    a path no package owns is left out."""
    variants = {p: _variants(p) for p in paths}
    query = sorted({v for vs in variants.values() for v in vs})
    out = subprocess.run(["dpkg", "-S", *query], capture_output=True, text=True).stdout if query else ""
    owned = {}
    for line in out.splitlines():
        if line.startswith("diversion by ") or ": " not in line:
            continue
        pkgs, name = line.split(": ", 1)
        owned.setdefault(name, set()).update(_bare(p) for p in pkgs.split(","))
    found = {p: next((owned[v] for v in vs if v in owned), None) for p, vs in variants.items()}
    return {p: pkgs for p, pkgs in found.items() if pkgs}


def verdict(used, packages, db):
    """The problems: listed packages not installed, needed packages outside the closure, unowned files."""
    problems = [f"{p}: listed in scripts/setup.sh but not installed here (run: bash scripts/setup.sh)"
                for p in packages if p not in db]
    allowed = closure(set(packages) | base_system(db), db)
    owned, needs = owners(list(used)), {}
    for path, why in sorted(used.items()):
        pkgs = owned.get(path)
        if not pkgs:
            if not path.startswith(GENERATED):
                problems.append(f"{path}: no Debian package owns this file (put there by hand?); {why} reads it")
        elif not pkgs & allowed:
            needs.setdefault(" or ".join(sorted(pkgs)), []).append(f"{path} ({why})")
    for pkg, files in sorted(needs.items()):
        files.sort(key=lambda f: (not f.split(" ")[0].endswith((".sty", ".cls", ".tex")), f))
        more = f" and {len(files) - 3} more" if len(files) > 3 else ""
        problems.append(f"{pkg}: needed but neither in scripts/setup.sh's list nor a Depends of it nor "
                        f"Priority required/important; add it to DEBIAN_PACKAGES. Files: "
                        f"{'; '.join(files[:3])}{more}")
    return problems, owned


def gather(build):
    """Everything used, with the errors met while finding it: ({path: why}, [errors])."""
    used, errors = latex_inputs(build)
    for command, why in TOOLS.items():
        files, missing = tool_files(command, why)
        used.update({p: w for p, w in files.items() if p not in used})
        errors += missing
    return used, errors


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--packages", help="the package list to check (default: the one in scripts/setup.sh)")
    parser.add_argument("--without", nargs="*", default=[], help="check the list minus these packages")
    args = parser.parse_args(argv)
    for tool in ("dpkg", "dpkg-query", "latexmk"):
        if shutil.which(tool) is None:
            print(f"check-setup: `{tool}` is not installed: this check needs a Debian system with latexmk",
                  file=sys.stderr)
            return 2
    packages = [p for p in (args.packages.split() if args.packages else setup_packages()) if p not in args.without]
    with tempfile.TemporaryDirectory(prefix="check-setup-") as build:
        used, errors = gather(Path(build).resolve())
    problems, owned = verdict(used, packages, installed_db())
    for line in errors + problems:
        print(f"check-setup: MISSING: {line}")
    if errors or problems:
        print(f"check-setup: FAILED: {len(errors) + len(problems)} problem(s) with the set-up list {packages}")
        return 1
    n_pkgs = len(set().union(*owned.values())) if owned else 0
    print(f"check-setup: OK: {len(used)} files from {n_pkgs} packages, each installed by scripts/setup.sh "
          f"({len(packages)} packages), one of their Depends, or the base system")
    return 0


if __name__ == "__main__":
    sys.exit(main())
