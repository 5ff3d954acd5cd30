"""The reproduction report: written by `python -m experiments reproduce --quick`, then loaded in
headless Chromium, which must show every figure (natural width > 0) and a row for every [run] id.
A screenshot of the page is written next to it."""
import re
import shutil
import subprocess

import pytest

from experiments import registry
from experiments.__main__ import main as experiments_main
from experiments.registry import RUN_IDS

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def quick_page(tmp_path_factory):
    out = tmp_path_factory.mktemp("reproduce")
    assert experiments_main(["reproduce", "--quick", "--out", str(out)]) == 0
    page = out / "report.html"
    assert page.is_file()
    return page


def _chromium(page, tmp_path, *args):
    cmd = [CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", *args, page.as_uri()]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)


def test_page_has_a_row_for_every_run_id(quick_page):
    text = quick_page.read_text()
    rows = set(re.findall(r"<tr data-task='([^']+)'>", text))
    assert rows == set(RUN_IDS)
    assert "failed" not in re.sub(r"<li.*?</li>", "", text), "a task failed in the quick reproduction"


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium)")
def test_every_figure_loads_in_a_real_browser(quick_page, tmp_path):
    dom = _chromium(quick_page, tmp_path, "--virtual-time-budget=10000", "--dump-dom").stdout
    check = re.search(r'<div id="selfcheck" data-images="(\d+)" data-loaded="(\d+)" data-rows="(\d+)"', dom)
    assert check, "the page's self-check did not run in the browser"
    images, loaded, rows = map(int, check.groups())
    assert images >= len(RUN_IDS) and loaded == images, f"{images - loaded} of {images} figures did not load"
    assert rows == len(RUN_IDS)
    shot = quick_page.with_name("report.png")
    _chromium(quick_page, tmp_path, "--window-size=1400,3000", f"--screenshot={shot}")
    assert shot.is_file() and shot.stat().st_size > 10_000


def test_a_failing_task_shows_its_error_and_the_page_is_still_written(tmp_path, monkeypatch):
    registry.load_all()
    broken = registry.TASKS["ee411.1.3"]

    def explode(ctx):
        raise RuntimeError("deliberately broken for the test")
    monkeypatch.setitem(registry.TASKS, "ee411.1.3", registry.Task(broken.id, broken.title, broken.produces, explode))
    assert experiments_main(["reproduce", "--quick", "--ids", "ee411.1.3", "ee411.1.2", "--out", str(tmp_path)]) == 0
    text = (tmp_path / "report.html").read_text()
    assert "deliberately broken for the test" in text and "<tr data-task='ee411.1.2'>" in text
