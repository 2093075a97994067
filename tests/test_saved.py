"""Saved networks by name: the clone's copy, else a cached or downloaded one that is the file the
package recorded; and the chapters' loading cells, run as the chapters run them."""

import contextlib
import functools
import hashlib
import http.server
import json
import threading
from pathlib import Path

import pytest

import ff_tutorial
from ff_tutorial import saved
from ff_tutorial.repository import BRANCH, REPOSITORY
from ff_tutorial.saved import SAVED, DownloadError, saved_file, saved_network

ROOT = Path(__file__).resolve().parent.parent


@contextlib.contextmanager
def serve(folder: Path):
    """Serve `folder` on a free localhost port; yields the URL and the list of paths asked for."""
    requests = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            requests.append(self.path)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", requests
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def elsewhere(tmp_path, monkeypatch):
    """The package as pip installs it: no clone around it, an empty cache; returns the cache folder."""
    monkeypatch.setattr(saved, "CHECKOUT", tmp_path / "site-packages")
    monkeypatch.setattr(saved, "CACHE", tmp_path / "cache")
    return tmp_path / "cache"


@pytest.fixture
def repository_server(monkeypatch):
    """The repository's files over HTTP, where the package downloads from."""
    with serve(ROOT) as (url, requests):
        monkeypatch.setenv(saved.FILES_URL_VARIABLE, url)
        yield requests


def sha256(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("path", sorted(SAVED))
def test_the_recorded_files_are_the_repository_files(path):
    file = ROOT / path
    assert (sha256(file), file.stat().st_size) == (SAVED[path].sha256, SAVED[path].size), (
        f"{path} changed: its entry in ff_tutorial/saved.py must now say "
        f"Saved({sha256(file)!r}, {file.stat().st_size:_}, ...), or Colab's readers download a file that fails "
        "its check")
    assert path.split("/")[1].split(".")[0] in SAVED[path].command and path in SAVED[path].command


def test_in_a_clone_the_clone_copy_is_used():
    assert saved_network("seed") == ROOT / "models" / "seed.pt"
    assert saved_file("results/seed.json") == ROOT / "results" / "seed.json"


def test_elsewhere_the_file_is_downloaded_once_checked_and_then_taken_from_the_cache(elsewhere, repository_server):
    path = saved_network("seed")
    assert path == elsewhere / "models" / "seed.pt"
    assert path.read_bytes() == (ROOT / "models" / "seed.pt").read_bytes()
    assert saved_network("seed") == path
    assert repository_server == ["/models/seed.pt"]
    assert [p.name for p in path.parent.iterdir()] == ["seed.pt"]  # no temporary file left behind
    net = ff_tutorial.load(path)
    assert net.config.dims == [794, 500, 500]


def test_a_changed_file_on_the_server_is_refused_and_nothing_is_kept(elsewhere, tmp_path, monkeypatch):
    served = tmp_path / "served" / "results"
    served.mkdir(parents=True)
    changed = (ROOT / "results" / "seed.json").read_text().replace('"epochs": 1000', '"epochs": 100')
    (served / "seed.json").write_text(changed)
    with serve(served.parent) as (url, _):
        monkeypatch.setenv(saved.FILES_URL_VARIABLE, url)
        with pytest.raises(DownloadError) as error:
            saved_file("results/seed.json")
    message = str(error.value)
    assert "\n" not in message
    assert "results/seed.json" in message and f"{url}/results/seed.json" in message
    assert "Install the package again" in message
    assert not any(elsewhere.rglob("*.json*"))


def test_a_failed_download_says_what_and_where_from_and_leaves_nothing(elsewhere, tmp_path, monkeypatch):
    (tmp_path / "empty").mkdir()
    with serve(tmp_path / "empty") as (url, _):  # a server without the file: 404
        monkeypatch.setenv(saved.FILES_URL_VARIABLE, url)
        with pytest.raises(DownloadError, match=r"could not download models/seed\.pt from http://127.*/models/seed"
                                                r"\.pt: .*copy models/seed\.pt from a clone"):
            saved_network("seed")
    assert not any(p.is_file() for p in elsewhere.rglob("*"))


def test_a_damaged_cached_copy_is_downloaded_again(elsewhere, repository_server):
    cached = elsewhere / "results" / "seed.json"
    cached.parent.mkdir(parents=True)
    cached.write_text("{}")
    assert saved_file("results/seed.json").read_bytes() == (ROOT / "results" / "seed.json").read_bytes()
    assert repository_server == ["/results/seed.json"]


def test_the_download_address_is_built_from_the_repository_url(monkeypatch):
    monkeypatch.delenv(saved.FILES_URL_VARIABLE, raising=False)
    assert saved.files_url("models/seed.pt") == f"{REPOSITORY}/raw/{BRANCH}/models/seed.pt"


def test_an_unknown_name_lists_the_known_ones():
    with pytest.raises(ValueError, match="no saved file 'models/best.pt'; there are .*models/seed.pt"):
        saved_network("best")


# ----- the chapters' loading cells, run as the chapters run them -----

CHAPTERS = {4: "04_greedy_network.ipynb", 5: "05_prediction.ipynb", 6: "06_inside_the_network.ipynb"}


def loading_cell(chapter):
    notebook = json.loads((ROOT / "notebooks" / CHAPTERS[chapter]).read_text())
    cells = ["".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "code"]
    (cell,) = [c for c in cells if "saved_network(" in c]
    return cell


def run_loading_cell(chapter, mnist, **parameters):
    """The cell's namespace after it ran, with the chapter's default parameters unless given."""
    namespace = {"ff_tutorial": ff_tutorial, "device": "cpu", "load_mnist": lambda device: mnist,
                 "USE_SAVED_SEED_NETWORK": True, "SEED_NETWORK_PATH": None, "SEED_METRICS_PATH": None, **parameters}
    exec(loading_cell(chapter), namespace)
    return namespace


def network(chapter, namespace):
    return namespace["seed_net" if chapter == 4 else "net"]


@pytest.mark.parametrize("chapter", sorted(CHAPTERS))
def test_a_chapter_loads_the_blog_network_in_the_clone_and_elsewhere(chapter, mnist, monkeypatch, tmp_path, capsys):
    in_clone = run_loading_cell(chapter, mnist)
    assert network(chapter, in_clone).config.dims == [794, 500, 500]
    assert in_clone["seed_metrics"]["settings"]["train_size"] == 50_000
    assert "Found the blog network" in capsys.readouterr().out

    monkeypatch.chdir(tmp_path)  # a notebook opened alone, as on Colab
    monkeypatch.setattr(saved, "CHECKOUT", tmp_path / "site-packages")
    monkeypatch.setattr(saved, "CACHE", tmp_path / "cache")
    with serve(ROOT) as (url, requests):
        monkeypatch.setenv(saved.FILES_URL_VARIABLE, url)
        downloaded = run_loading_cell(chapter, mnist)
    assert sorted(requests) == ["/models/seed.pt", "/results/seed.json"]
    assert downloaded["seed_net_path"] == tmp_path / "cache" / "models" / "seed.pt"
    assert network(chapter, downloaded).state_dict().keys() == network(chapter, in_clone).state_dict().keys()
    assert all((a == b).all() for a, b in zip(network(chapter, downloaded).state_dict().values(),
                                              network(chapter, in_clone).state_dict().values()))
    assert downloaded["seed_metrics"] == in_clone["seed_metrics"]


@pytest.mark.parametrize("chapter", sorted(CHAPTERS))
def test_a_chapter_honours_a_path_it_is_given_and_goes_on_without_a_network_it_cannot_download(
        chapter, mnist, monkeypatch, tmp_path, capsys):
    own = tmp_path / "mine.pt"
    ff_tutorial.save(ff_tutorial.FFNetwork([794, 20], embedding="concat"), own)
    given = run_loading_cell(chapter, mnist, SEED_NETWORK_PATH=str(own), SEED_METRICS_PATH=str(tmp_path / "none.json"))
    assert network(chapter, given).config.dims == [794, 20] and given["seed_metrics"] == {}

    monkeypatch.setattr(saved, "CHECKOUT", tmp_path / "site-packages")
    monkeypatch.setattr(saved, "CACHE", tmp_path / "cache")
    monkeypatch.setenv(saved.FILES_URL_VARIABLE, "http://127.0.0.1:9")  # nothing listens on the discard port
    capsys.readouterr()
    offline = run_loading_cell(chapter, mnist)
    assert network(chapter, offline) is None
    trying, said = capsys.readouterr().out.splitlines()
    assert trying.startswith("Downloading models/seed.pt")
    assert said.startswith("No saved blog network here") and "could not download models/seed.pt" in said
