"""The wheel installs one import package, `chorus`, that runs without the checkout: built here,
installed into a fresh venv in a temporary folder, and run from there."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
         "-w", str(out), str(ROOT)],
        check=True, cwd=out,
    )  # fmt: skip
    (found,) = out.glob("chorus_sim-*.whl")
    return found


@pytest.fixture(scope="module")
def venv(wheel, tmp_path_factory) -> Path:
    """A fresh venv with the wheel; the dependencies (torch...) come from the dev venv's
    site-packages through a .pth line (no download), which does not run the dev venv's editable
    finder, so only the wheel can answer `import chorus`."""
    folder = tmp_path_factory.mktemp("venv")
    subprocess.run([sys._base_executable, "-m", "venv", str(folder)], check=True)
    py = folder / "bin" / "python"
    site = subprocess.run(
        [py, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    (Path(site) / "dev-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([py, "-m", "pip", "install", "-q", "--no-deps", str(wheel)], check=True)
    return folder


def _setup_tuple(name: str) -> tuple[str, ...]:
    tree = ast.parse((ROOT / "setup.py").read_text())
    (value,) = [
        n.value for n in tree.body
        if isinstance(n, ast.Assign) and [t.id for t in n.targets] == [name]  # type: ignore[attr-defined]
    ]  # fmt: skip
    return tuple(ast.literal_eval(value))


def test_the_part_list_is_the_part_folders_and_their_links():
    """setup.py's parts are exactly the code folders of chorus/, and each one has its link at
    the top of the checkout (the specified layout); a part added without either fails here."""
    parts = set(_setup_tuple("PARTS")) | set(_setup_tuple("CHECKOUT_ONLY"))
    folders = {
        p.name for p in (ROOT / "chorus").iterdir() if (p / "__init__.py").is_file()
    } - {"studies"}  # data: the shipped study files
    assert parts == folders
    for part in parts | {"studies"}:
        link = ROOT / part
        assert link.is_symlink() and link.resolve() == (ROOT / "chorus" / part).resolve(), part


def test_wheel_holds_one_top_level_package_with_its_data(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert {n.split("/")[0] for n in names if not n.startswith("chorus_sim-")} == {"chorus"}
    parts = {n.split("/")[1] for n in names if n.startswith("chorus/") and n.count("/") > 1}
    assert parts == set(_setup_tuple("PARTS")) | {"studies"}  # no checkout-only benchmarks
    for data in (
        "chorus/studies/anes2012-demo.yaml",
        "chorus/backstories/data/critic/fragments.yaml",
        "chorus/surveys/data/gss2006panel/gss2006panel_respondents.csv",
        "chorus/surveys/data/gss2006panel/dataset.yaml",
        "chorus/surveys/instruments/gss2006panel.yaml",
    ):
        assert data in names


@pytest.mark.slow
def test_installed_cli_runs_outside_the_checkout(venv, tmp_path):
    bin_ = venv / "bin"
    where = subprocess.run(
        [bin_ / "python", "-c", "import chorus, chorus.studies; print(chorus.__file__)"],
        check=True, capture_output=True, text=True, cwd=tmp_path,
    ).stdout  # fmt: skip
    assert Path(where).resolve().is_relative_to(venv.resolve())
    for args in (["--help"], ["demo", "--help"]):
        shown = subprocess.run(
            [bin_ / "chorus", *args], capture_output=True, text=True, cwd=tmp_path
        )
        assert shown.returncode == 0, shown.stderr
    bench = subprocess.run([bin_ / "chorus", "bench"], capture_output=True, text=True, cwd=tmp_path)
    assert bench.returncode == 1 and "source checkout" in bench.stderr
    # a small real command: the shipped demographics instrument, ANES respondents, the
    # embedded model
    out = tmp_path / "run"
    ran = subprocess.run(
        [bin_ / "chorus", "survey", "run", "demographics", "--personas",
         "anes2012", "--n", "2", "--conditioning", "qa", "--perspectives", "self", "--out",
         str(out), "--cache-file", str(tmp_path / "cache.sqlite"), "--dtype", "float32"],
        capture_output=True, text=True, cwd=tmp_path,
    )  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    assert json.loads((out / "run.json").read_text())["n_personas"] == 2
