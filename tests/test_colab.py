"""A chapter opened alone on Colab gives the book's result: its set-up cell installs the package, and the
saved blog network is downloaded. Colab is simulated: a kernel that has imported `google.colab`, in a
fresh environment without ff_tutorial, next to no clone; the package, MNIST and the network come from
local copies instead of GitHub and the internet."""

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from test_saved import serve

ROOT = Path(__file__).resolve().parent.parent
CHAPTER = "04_greedy_network.ipynb"



def fresh_environment(folder: Path) -> Path:
    """A virtual environment that sees this one's packages (torch is not installed again) but not ff_tutorial:
    a .pth line adds this environment's site-packages without running its .pth files (the editable install)."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder)], check=True)
    python = folder / "bin" / "python"
    site_packages = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                   check=True, capture_output=True, text=True).stdout.strip()
    Path(site_packages, "this-environment.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    assert subprocess.run([str(python), "-c", "import ff_tutorial"], cwd=folder, env=env,
                          capture_output=True).returncode != 0
    return python


def colab_kernel(folder: Path, python: Path, env: dict) -> str:
    """A kernel spec whose kernel runs `python` and imports google.colab at start, as Colab's does."""
    fake = folder / "fake-colab"
    (fake / "google" / "colab").mkdir(parents=True)  # `google` stays a namespace package: protobuf's is not hidden
    (fake / "google" / "colab" / "__init__.py").write_text('"""Stands in for Colab\'s module."""\n')
    startup = folder / "ipython" / "profile_default" / "startup"
    startup.mkdir(parents=True)
    (startup / "00-colab.py").write_text("import google.colab\n")
    spec = folder / "jupyter" / "kernels" / "colab"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "simulated Colab", "language": "python",
        "env": {"PYTHONPATH": str(fake), "IPYTHONDIR": str(folder / "ipython"), **env}}))
    return "colab"


def test_every_chapter_takes_the_gpu_colab_gives_it():
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        cells = json.loads(path.read_text())["cells"]
        (parameters,) = [c for c in cells if "parameters" in c["metadata"].get("tags", [])]
        namespace = {}
        exec("".join(parameters["source"]), namespace)
        assert namespace["DEVICE"] == "auto", f"{path.name} asks for {namespace['DEVICE']!r}, not the GPU there is"


@pytest.mark.slow  # a fresh environment, a pip install and a kernel: a minute or two
def test_chapter_4_alone_on_colab_installs_the_package_and_evaluates_the_saved_blog_network(tmp_path, monkeypatch):
    papermill = pytest.importorskip("papermill")
    source = tmp_path / "clone"  # what pip installs: the package as it is in this checkout
    shutil.copytree(ROOT / "ff_tutorial", source / "ff_tutorial", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copyfile(ROOT / name, source / name)
    python = fresh_environment(tmp_path / "venv")

    content = tmp_path / "content"  # Colab's working folder: the notebook alone
    content.mkdir()
    notebook = json.loads((ROOT / "notebooks" / CHAPTER).read_text())
    notebook["cells"].append({"cell_type": "code", "id": "installed-from", "metadata": {}, "outputs": [],
                              "execution_count": None, "source": "print('ff_tutorial from', ff_tutorial.__file__)"})
    (content / CHAPTER).write_text(json.dumps(notebook))

    with serve(ROOT) as (url, requests):
        kernel = colab_kernel(tmp_path, python, {
            "FF_TUTORIAL_INSTALL": str(source),  # the set-up cell's pip target, instead of GitHub
            "PIP_NO_DEPS": "1", "PIP_NO_BUILD_ISOLATION": "0",  # pip's spelling of --no-build-isolation
            "FF_TUTORIAL_DATA": str(ROOT / "data" / "mnist"),  # instead of torchvision's download
            "FF_TUTORIAL_FILES_URL": url,  # the saved network, instead of GitHub's copy
            "XDG_CACHE_HOME": str(tmp_path / "cache"), "FF_TUTORIAL_LEDGER": ""})
        monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
        ran = papermill.execute_notebook(str(content / CHAPTER), str(content / "out.ipynb"), cwd=str(content),
                                         kernel_name=kernel, progress_bar=False,
                                         parameters={"TRAIN_SIZE": 300, "EPOCHS": 1, "HIDDEN": [20, 20],
                                                     "SMOOTH": 1, "PROGRESS": False})
    text = "\n".join(out.get("text", "") for cell in ran.cells for out in cell.get("outputs", [])
                     if out.get("output_type") == "stream")
    installed = Path(re.search(r"ff_tutorial from (\S+)", text).group(1))
    assert installed.is_relative_to(tmp_path / "venv"), installed  # the set-up cell's install, not this checkout
    assert sorted(requests) == ["/models/seed.pt", "/results/seed.json"]
    assert "No saved blog network" not in text
    recorded = json.loads((ROOT / "results" / "seed.json").read_text())
    assert (f"blog network, measured here: train error {recorded['train_error']:.2%} (first 50,000 images), "
            f"test error {recorded['test_error']:.2%}") in text
    assert "the blog network trained in 1.1 hours on cpu" in text
