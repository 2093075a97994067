"""Saved networks and recorded results by path: the clone's copy, else a cached or downloaded one that is
the file the package recorded; the table of those files, kept by `python -m ff_tutorial.saved`; and the
chapters' loading cells, run as the chapters run them, in the clone and as on Colab."""

import contextlib
import functools
import hashlib
import http.server
import json
import re
import shlex
import shutil
import threading
from pathlib import Path

import pytest
import torch

import ff_tutorial
from experiments import released_code, released_recurrent
from ff_tutorial import saved
from ff_tutorial.repository import BRANCH, REPOSITORY
from ff_tutorial.cli import build_parser
from ff_tutorial.saved import SAVED, DownloadError, new_run_folder, saved_file, saved_folder, saved_network

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
    assert (sha256(file), file.stat().st_size) == (SAVED[path].sha256, SAVED[path].size), saved.difference(path)
    assert saved.difference(path) is None
    # the command names the file it wrote (the gallery's and chapter 12's name their run: the file's stem;
    # the recurrent experiment's take it as --name)
    command, stem = SAVED[path].command, Path(path).stem
    named_by_run = path.startswith(("results/gallery/", "results/receptive/")) and command.endswith(" " + stem)
    name, _, seed = stem.rpartition("-seed-")  # --seeds S,S --name NAME writes NAME-seed-S for each
    named = path.startswith("results/recurrent/") and (
        f" --name {stem}" in command or (f" --name {name} " in command + " " and " --seeds " in command))
    # the released code's records are named by their settings
    words = shlex.split(command)
    named_by_settings = words[:3] == ["python", "-m", "experiments.released_code"] and (
        released_code.results_path(released_code.build_parser().parse_args(words[3:])) == ROOT / path)
    named_by_settings |= words[:3] == ["python", "-m", "experiments.released_recurrent"] and (
        ROOT / path in released_recurrent.record_paths(released_recurrent.build_parser().parse_args(words[3:])).values())
    assert path in command or named_by_run or named or named_by_settings


def test_the_chapters_read_files_are_recorded():
    """What chapters 4 to 9, 12 and 13 read, by path; the runs below check that they read nothing else."""
    candidates = ["wrong", "peer", "hard", "jitter", "jitter-100", "jitter-150", "jitter-1", "jitter-hard"]
    read = {"models/seed.pt", "results/seed.json", "models/scaled.pt", "models/scaled-seed-1.pt",
            "results/scaled.json", "results/scaled-seed-1.json", "results/ensembles/scaled-pair.json",
            "results/validation/jitter-1-seed-1.json", "results/validation/ensembles/jitter-1-pair.json",
            "results/unsupervised.json", "results/unsupervised-pi-seeds-0-1-2.json", "results/unsupervised-readout.md",
            "results/scaled-seeds-0-1-2.json", "results/accurate-2000-60000-seeds-0-1-2.json",
            "results/released-code/final-reshuffled-1000-1000-1000-60-epochs-seeds-0-1-2.json",
            "results/released-code/final-unsupervised-1000-1000-1000-60-epochs-seeds-0-1-2.json",
            "models/local-10-2-seed-1.pt", "results/local-10-2-whole-seeds-0-1-2.json",
            "results/recurrent/ff-loss.json", "results/recurrent/symba-loss.json",
            "results/unsupervised-layers.md", "results/unsupervised-readout-rate.md",
            "results/unsupervised-seeds-0-1-2.json",
            *(f"results/recurrent/window-seed-{seed}.json" for seed in (0, 1, 2)),
            *(f"results/validation/{name}.json" for name in candidates)}
    assert read <= set(SAVED), read - set(SAVED)
    # chapter 12 reads its whole folder: every comparison file the experiment writes
    from experiments.receptive_fields import RUNS
    assert {f"results/receptive/{name}.json" for name in RUNS} == {p for p in SAVED if p.startswith("results/receptive/")}


def test_the_table_is_written_as_the_command_writes_it():
    source = (ROOT / "ff_tutorial" / "saved.py").read_text()
    assert saved.read_table(source) == SAVED
    assert saved.table_source(SAVED) in source  # so that `--add` changes only the lines of what it adds
    assert max(len(line) for line in saved.table_source(SAVED).splitlines()) <= 120


@pytest.fixture
def checkout(tmp_path):
    """A checkout with an empty table, a metrics file and the network its command saved."""
    (tmp_path / "ff_tutorial").mkdir()
    (tmp_path / "ff_tutorial" / "saved.py").write_text('"""x"""\n\nSAVED = {\n}\n\n\ndef f():\n    pass\n')
    (tmp_path / "results").mkdir()
    (tmp_path / "models").mkdir()
    command = "python -m ff_tutorial train --preset fast --metrics results/run.json --save models/run.pt"
    (tmp_path / "results" / "run.json").write_text(json.dumps({"command": command, "test_error": 0.05}))
    (tmp_path / "models" / "run.pt").write_bytes(b"weights")
    return tmp_path


def table_in(root):
    return saved.read_table((root / "ff_tutorial" / "saved.py").read_text())


def test_added_files_are_recorded_with_what_wrote_them(checkout, capsys):
    assert saved.main(["--root", str(checkout), "--add", "models/run.pt", "results/run.json"]) == 0
    table = table_in(checkout)
    command = json.loads((checkout / "results" / "run.json").read_text())["command"]
    assert table == {
        "models/run.pt": saved.Saved(hashlib.sha256(b"weights").hexdigest(), 7, command),
        "results/run.json": saved.Saved(sha256(checkout / "results" / "run.json"),
                                        (checkout / "results" / "run.json").stat().st_size, command)}
    assert (checkout / "ff_tutorial" / "saved.py").read_text().endswith("\n\n\ndef f():\n    pass\n")
    assert "every one of the 2 recorded files is as recorded" in capsys.readouterr().out

    (checkout / "results" / "table.md").write_text("| a |\n")
    with pytest.raises(SystemExit):  # a table does not say what wrote it
        saved.main(["--root", str(checkout), "--add", "results/table.md"])
    assert "name the command with --command" in capsys.readouterr().err
    assert saved.main(["--root", str(checkout), "--add", "results/table.md", "--command", "python -m x"]) == 0
    assert table_in(checkout)["results/table.md"].command == "python -m x"
    with pytest.raises(SystemExit):
        saved.main(["--root", str(checkout), "--add", "results/table.md"])
    assert "recorded already" in capsys.readouterr().err


def test_a_recurrent_network_is_recorded_with_the_final_run_that_kept_it(checkout):
    """The recurrent network's final run names its file with --name and keeps the network with --checkpoint."""
    command = ("python -m experiments.recurrent_small --final --seeds 1 --checkpoint models/recurrent.pt "
               "--name final-seed-1")
    (checkout / "results" / "recurrent").mkdir()
    (checkout / "results" / "recurrent" / "final-seed-1.json").write_text(json.dumps({"command": command}))
    (checkout / "models" / "recurrent.pt").write_bytes(b"recurrent weights")
    assert saved.main(["--root", str(checkout), "--add", "models/recurrent.pt",
                       "results/recurrent/final-seed-1.json"]) == 0
    assert table_in(checkout)["models/recurrent.pt"].command == command


def test_a_network_of_several_seeds_is_recorded_with_the_run_that_named_it_by_its_seed(checkout, capsys):
    """`train --seeds 1,2 --save models/local.pt` writes models/local-seed-1.pt and models/local-seed-2.pt."""
    command = "python -m ff_tutorial train --preset fast --seeds 1,2 --metrics results/local.json --save models/local.pt"
    (checkout / "results" / "local.json").write_text(json.dumps({"command": command}))
    for seed in (1, 2):
        (checkout / "models" / f"local-seed-{seed}.pt").write_bytes(b"local weights %d" % seed)
    assert saved.main(["--root", str(checkout), "--add", "results/local.json", "models/local-seed-2.pt"]) == 0
    assert table_in(checkout)["models/local-seed-2.pt"].command == command
    (checkout / "models" / "local-seed-3.pt").write_bytes(b"a seed it did not train")
    with pytest.raises(SystemExit):
        saved.main(["--root", str(checkout), "--add", "models/local-seed-3.pt"])
    assert "cannot tell what wrote models/local-seed-3.pt" in capsys.readouterr().err


def test_the_published_numbers_written_by_hand_may_grow(tmp_path):
    (tmp_path / "results").mkdir()
    anchors = tmp_path / "results" / "anchors.json"
    anchors.write_text('{"anchors": []}')
    table = saved.recorded({}, tmp_path, add=["results/anchors.json"], command="written by hand")
    anchors.write_text('{"anchors": [{"test_error_percent": 1.31}]}')
    table = saved.recorded(table, tmp_path, replace=["results/anchors.json"])
    assert table["results/anchors.json"].sha256 == saved.sha256(anchors)
    assert table["results/anchors.json"].command == "written by hand"


def test_a_changed_result_is_named_and_never_recorded(checkout, capsys):
    saved.main(["--root", str(checkout), "--add", "models/run.pt", "results/run.json"])
    recorded = table_in(checkout)
    (checkout / "results" / "run.json").write_text('{"test_error": 0.01}')
    capsys.readouterr()
    assert saved.main(["--root", str(checkout), "--check"]) == 1
    (line,) = capsys.readouterr().out.splitlines()
    assert line.startswith("results/run.json has changed since it was recorded")
    assert "never changes" in line and "git checkout -- results/run.json" in line
    with pytest.raises(SystemExit):
        saved.main(["--root", str(checkout), "--replace", "results/run.json"])
    assert "never changes" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        saved.main(["--root", str(checkout), "--add", "results/run.json"])
    assert table_in(checkout) == recorded


def test_a_network_saved_again_on_purpose_is_recorded_only_when_named(checkout, capsys):
    saved.main(["--root", str(checkout), "--add", "models/run.pt", "results/run.json"])
    (checkout / "models" / "run.pt").write_bytes(b"weights, in a new format")
    (checkout / "results" / "new.json").write_text(json.dumps({"command": "python -m ff_tutorial evaluate x"}))
    capsys.readouterr()
    assert saved.main(["--root", str(checkout), "--add", "results/new.json"]) == 1  # added, but the network is named
    out = capsys.readouterr().out
    assert "models/run.pt has changed" in out and "--replace models/run.pt" in out
    assert table_in(checkout)["models/run.pt"].sha256 == hashlib.sha256(b"weights").hexdigest()
    assert saved.main(["--root", str(checkout), "--replace", "models/run.pt"]) == 0
    assert table_in(checkout)["models/run.pt"] == saved.Saved(
        hashlib.sha256(b"weights, in a new format").hexdigest(), 24, table_in(checkout)["results/run.json"].command)
def test_a_recorded_network_is_stored_in_16_bits_and_recorded_with_the_step_that_did_it(checkout, capsys):
    from ff_tutorial import FFNetwork, load, save
    net = FFNetwork([784, 30, 20])
    save(net, checkout / "models" / "run.pt")
    saved.main(["--root", str(checkout), "--add", "models/run.pt", "results/run.json"])
    full = (checkout / "models" / "run.pt").stat().st_size
    assert saved.main(["--root", str(checkout), "--half", "models/run.pt"]) == 0
    entry = table_in(checkout)["models/run.pt"]
    trained_by = table_in(checkout)["results/run.json"].command
    assert entry.command == f"{trained_by}; then python -m ff_tutorial.saved --half models/run.pt"
    assert (entry.sha256, entry.size) == (sha256(checkout / "models" / "run.pt"),
                                          (checkout / "models" / "run.pt").stat().st_size)
    assert entry.size < 0.6 * full
    stored = torch.load(checkout / "models" / "run.pt", weights_only=True)["state_dict"].values()
    assert all(w.dtype == torch.float16 for w in stored if w.is_floating_point())
    torch.testing.assert_close(load(checkout / "models" / "run.pt").layers[0].linear.weight,
                               net.layers[0].linear.weight, rtol=1e-3, atol=1e-4)
    assert saved.main(["--root", str(checkout), "--half", "models/run.pt"]) == 0  # once more: nothing new
    assert table_in(checkout)["models/run.pt"] == entry
    with pytest.raises(SystemExit):
        saved.main(["--root", str(checkout), "--half", "results/run.json"])
    assert "is not a recorded network" in capsys.readouterr().err


@pytest.mark.slow
@pytest.mark.parametrize("path", sorted(p for p in SAVED if p.startswith("models/")))
def test_each_saved_network_still_makes_the_test_errors_its_run_recorded(path, mnist):
    """The networks are stored in 16 bits to keep the repository light; rounded so, each still gets
    as many test images wrong as the trained network did when its run measured it (its --metrics file,
    or the file the recurrent network's final run named, with one error per seed: one seed here)."""
    from ff_tutorial import load
    stored = torch.load(ROOT / path, weights_only=True)["state_dict"]
    assert all(w.dtype == torch.float16 for w in stored.values() if w.is_floating_point())
    metrics = re.search(r"--metrics (\S+)", SAVED[path].command)
    if metrics:
        record = json.loads((ROOT / metrics.group(1)).read_text())
    else:
        name = re.search(r"experiments\.recurrent_small .*--name ([^\s;]+)", SAVED[path].command).group(1)
        record = json.loads((ROOT / "results" / "recurrent" / f"{name}.json").read_text())
        (record["test_error"],) = record["test_error"]
    expected = {key: record[key] for key in ("test_error", "test_error_one_pass") if key in record}
    net = load(ROOT / path)
    measured = {key: net.error_rate(mnist.x_test, mnist.y_test, **({"one_pass": True} if "one_pass" in key else {}))
                for key in expected}
    assert measured, f"the run that saved {path} recorded no test error"
    # as counts of images: 10,000 test images, each error a multiple of 1/10,000
    assert {k: round(v * 10_000) for k, v in measured.items()} == {k: round(v * 10_000) for k, v in expected.items()}


@pytest.mark.slow
def test_the_saved_pair_still_makes_the_test_errors_it_made_together(mnist):
    """Chapter 8's pair, the two `scaled` networks answering together, measured again from their
    16-bit files: the errors its metrics file recorded for the pair."""
    from ff_tutorial import Ensemble, load
    record = json.loads((ROOT / "results" / "ensembles" / "scaled-pair.json").read_text())
    pair = Ensemble([load(ROOT / member["model"]) for member in record["members"]])
    for key, one_pass in (("test_error", False), ("test_error_one_pass", True)):
        assert round(pair.error_rate(mnist.x_test, mnist.y_test, one_pass=one_pass) * 10_000) == \
            round(record[key] * 10_000)


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


RECORDED_RESULTS = sorted(p for p in SAVED if p.startswith("results/"))


def test_a_folder_is_the_clone_folder_in_a_clone():
    assert saved_folder("results") == ROOT / "results"
    with pytest.raises(ValueError, match="no saved files under data/; there are files under models/, results/"):
        saved_folder("data")


def test_elsewhere_a_folder_is_downloaded_file_by_file_checked_and_kept(elsewhere, repository_server, capsys):
    folder = saved_folder("results")
    assert folder == elsewhere / "results"
    assert sorted(repository_server) == [f"/{p}" for p in RECORDED_RESULTS]
    assert sorted(str(p.relative_to(elsewhere)) for p in folder.rglob("*")
                  if p.is_file()) == RECORDED_RESULTS  # nothing else, no temporary file
    assert all((folder.parent / p).read_bytes() == (ROOT / p).read_bytes() for p in RECORDED_RESULTS)
    (line,) = capsys.readouterr().out.splitlines()
    assert line.startswith(f"Downloading {len(RECORDED_RESULTS)} files of results/ (")
    (folder / "scaled.json").write_text("{}")  # damaged since: only that one comes again
    assert saved_folder("results") == folder
    assert sorted(repository_server) == sorted([f"/{p}" for p in RECORDED_RESULTS] + ["/results/scaled.json"])


def test_elsewhere_a_folder_with_a_changed_file_on_the_server_is_refused(elsewhere, tmp_path, monkeypatch):
    served = tmp_path / "served"
    shutil.copytree(ROOT / "results", served / "results")
    changed = served / "results" / "validation" / "jitter-1.json"
    changed.write_text(changed.read_text().replace('"validation_error": 0.012', '"validation_error": 0.010'))
    assert changed.read_bytes() != (ROOT / "results" / "validation" / "jitter-1.json").read_bytes()
    with serve(served) as (url, _):
        monkeypatch.setenv(saved.FILES_URL_VARIABLE, url)
        with pytest.raises(DownloadError, match=r"^results/validation/jitter-1\.json from .* is not the file"):
            saved_folder("results")
    assert not (elsewhere / "results" / "validation" / "jitter-1.json").exists()


def test_a_new_run_folder_is_new_and_in_the_clone_or_the_working_folder(elsewhere, tmp_path, monkeypatch):
    monkeypatch.setattr(saved, "CHECKOUT", ROOT)
    folder = new_run_folder()
    assert folder.parent == ROOT / "results" and re.fullmatch(r"rerun-\d{4}-\d\d-\d\d-\d{4}", folder.name)
    assert not folder.exists()
    monkeypatch.setattr(saved, "CHECKOUT", tmp_path / "site-packages")
    monkeypatch.chdir(tmp_path)
    first = new_run_folder("mine")
    assert first.parent == tmp_path / "results" and first.name.startswith("mine-")
    first.mkdir(parents=True)
    second = new_run_folder("mine")
    assert second != first and not second.exists() and second.parent == first.parent


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


# ----- chapters 8 and 9: every recorded file they read, in the clone and as on Colab -----

def code_cells(name):
    """Index -> source of each code cell of a chapter, without its IPython magics."""
    notebook = json.loads((ROOT / "notebooks" / name).read_text())
    return {i: "\n".join(line for line in "".join(c["source"]).splitlines() if not line.startswith("%"))
            for i, c in enumerate(notebook["cells"]) if c["cell_type"] == "code"}


def run_cells(name, indices, after=None, **parameters):
    """The namespace after the cells ran in order, the parameters given replacing the defaults after the
    parameters cell (the first), as papermill injects them; `after` maps a cell to a function of the namespace."""
    cells, namespace = code_cells(name), {}
    for i in indices:
        exec(cells[i], namespace)
        if i == indices[0]:
            namespace.update(parameters)
        if after and i in after:
            after[i](namespace)
    return namespace


# Chapter 8's cells that read or write files, less those that measure the networks (a minute and more).
CHAPTER_8, CHAPTER_8_CELLS = "08_scaling_up.ipynb", [3, 4, 8, 10, 12, 22, 23, 25, 26, 30]
CHAPTER_9, CHAPTER_9_CELLS = "09_unsupervised_ff.ipynb", [3, 4, 24, 26, 28, 30]
TABLES_OF_9 = ["unsupervised-readout.md", "unsupervised-layers.md", "unsupervised-readout-rate.md"]


def read_by_chapter_8(namespace):
    return {key: namespace[key] for key in ["validation", "scaled", "pair_validation", "second_validation",
                                            "second_run", "pair", "seed", "rows", "use_pair", "chosen"]}


def read_by_chapter_9(namespace):
    return {"rows": namespace["rows"], **{name: namespace["recorded"](name).data for name in TABLES_OF_9}}


def as_on_colab(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # the notebook alone
    monkeypatch.setattr(saved, "CHECKOUT", tmp_path / "site-packages")
    monkeypatch.setattr(saved, "CACHE", tmp_path / "cache")


@pytest.mark.parametrize("chapter", [8, 9])
def test_chapters_8_and_9_read_the_same_recorded_results_in_the_clone_and_as_on_colab(chapter, monkeypatch,
                                                                                     tmp_path, capsys):
    name, cells, read = ((CHAPTER_8, CHAPTER_8_CELLS, read_by_chapter_8) if chapter == 8
                         else (CHAPTER_9, CHAPTER_9_CELLS, read_by_chapter_9))
    monkeypatch.chdir(ROOT / "notebooks")
    in_clone = run_cells(name, cells)
    printed_in_clone = capsys.readouterr().out
    assert in_clone["results"] == ROOT / "results"
    if chapter == 8:
        assert (in_clone["model_path"], in_clone["second_model"]) == (ROOT / "models" / "scaled.pt",
                                                                      ROOT / "models" / "scaled-seed-1.pt")
        assert in_clone["scaled"] == json.loads((ROOT / "results" / "scaled.json").read_text())
        assert "| ensemble | the two networks together, one pass | 1.05% |" in "\n".join(in_clone["rows"])
    else:
        assert "not run yet" not in "\n".join(in_clone["rows"])
        assert all("is not here" not in text for text in read_by_chapter_9(in_clone).values())

    as_on_colab(monkeypatch, tmp_path)
    with serve(ROOT) as (url, requests):
        monkeypatch.setenv(saved.FILES_URL_VARIABLE, url)
        on_colab = run_cells(name, cells)
    assert read(on_colab) == read(in_clone)
    printed = capsys.readouterr().out.splitlines()
    assert [line for line in printed if not line.startswith("Downloading ")] == printed_in_clone.splitlines()
    networks = ["/models/scaled-seed-1.pt", "/models/scaled.pt"] if chapter == 8 else []
    assert sorted(requests) == networks + [f"/{p}" for p in RECORDED_RESULTS]
    assert on_colab["results"] == tmp_path / "cache" / "results"


def test_chapter_8_honours_the_folders_it_is_given(monkeypatch, tmp_path):
    mine = tmp_path / "mine"
    shutil.copytree(ROOT / "results", mine)
    (mine / "models").mkdir()
    shutil.copyfile(ROOT / "models" / "scaled-seed-1.pt", mine / "models" / "scaled-seed-1.pt")
    monkeypatch.setattr(saved, "CHECKOUT", tmp_path / "site-packages")  # nothing may come from elsewhere
    monkeypatch.setattr(saved, "CACHE", tmp_path / "cache")
    monkeypatch.setenv(saved.FILES_URL_VARIABLE, "http://127.0.0.1:9")
    given = run_cells(CHAPTER_8, CHAPTER_8_CELLS[:-1], RESULTS=str(mine))  # the last reads the repository's seed.json
    assert (given["results"], given["model_path"], given["second_model"]) == (
        mine, mine / "models" / "scaled.pt", mine / "models" / "scaled-seed-1.pt")
    given = run_cells(CHAPTER_8, [3, 4], RESULTS=str(mine), MODEL=str(tmp_path / "net.pt"))
    assert given["model_path"] == tmp_path / "net.pt"
    with pytest.raises(FileNotFoundError, match="scaled.json is missing: run with RUN = True"):
        run_cells(CHAPTER_8, [3, 4], RESULTS=str(tmp_path / "nothing-here"))


def test_chapter_8_run_writes_a_new_set_of_files_and_repeats_the_recorded_runs(monkeypatch, tmp_path, capsys):
    """RUN = True, each command parsed as the command line parses it instead of run: every file it names is
    new and in a new folder, and its settings are those of the recorded run it repeats. Each command writes
    the recorded run's metrics, so that the chapter reads on as after a real run."""
    monkeypatch.chdir(ROOT / "notebooks")
    as_recorded = read_by_chapter_8(run_cells(CHAPTER_8, CHAPTER_8_CELLS))
    clone = tmp_path / "clone"  # a clone to make the new folder in
    (clone / "results").mkdir(parents=True)
    (clone / "pyproject.toml").touch()
    # read by the verdict, never written
    for read_only in ("seed.json", "accurate-2000-60000-seeds-0-1-2.json", "unsupervised-seeds-0-1-2.json",
                      "unsupervised-pi-seeds-0-1-2.json", "scaled-seeds-0-1-2.json", "anchors.json",
                      "released-code/final-reshuffled-1000-1000-1000-60-epochs-seeds-0-1-2.json",
                      "released-code/final-unsupervised-1000-1000-1000-60-epochs-seeds-0-1-2.json"):
        (clone / "results" / read_only).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ROOT / "results" / read_only, clone / "results" / read_only)
    monkeypatch.setattr(saved, "CHECKOUT", clone)
    capsys.readouterr()
    commands = []

    def instead_of_running(argv):
        args = build_parser().parse_args(argv)
        folder = namespace["results"]
        relative = Path(args.metrics).relative_to(folder)  # a metrics file for each run, in the new folder
        for path in [args.metrics, getattr(args, "save", None)]:
            assert path is None or (Path(path).is_relative_to(folder) and not Path(path).exists()), path
        recorded = json.loads((ROOT / "results" / relative).read_text())
        commands.append((args, build_parser().parse_args(recorded["command"].split()[3:])))
        for path in [args.metrics, getattr(args, "save", None)]:
            if path:
                Path(path).parent.mkdir(parents=True, exist_ok=True)  # as the command line does
        shutil.copyfile(ROOT / "results" / relative, args.metrics)
        if getattr(args, "save", None):
            Path(args.save).touch()
        return 0

    namespace = {}
    ran = run_cells(CHAPTER_8, CHAPTER_8_CELLS, RUN=True,
                    after={4: lambda ns: (namespace.update(ns), ns.update(ff_tutorial_command=instead_of_running))})
    folder = ran["results"]
    assert folder.parent == clone / "results" and folder.name.startswith("rerun-")
    assert ran["model_path"] == folder / "models" / "scaled.pt"
    assert f"this run writes its metrics into {folder}" in capsys.readouterr().out
    assert len(commands) == 8 + 1 + 2 + 2  # the candidates, the final run, the pair on validation, the final pair
    for new, recorded in commands:
        assert new.command == recorded.command
        if new.command == "train":
            assert vars(new) | {"save": None, "metrics": None} == vars(recorded) | {"save": None, "metrics": None}
        else:
            assert [Path(m).name for m in new.models] == [Path(m).name for m in recorded.models]
            assert new.validation == recorded.validation
    assert read_by_chapter_8(ran) == as_recorded
    assert sorted(str(p.relative_to(clone)) for p in clone.rglob("*") if p.is_file() and folder not in p.parents) == [
        "pyproject.toml", "results/accurate-2000-60000-seeds-0-1-2.json", "results/anchors.json",
        "results/released-code/final-reshuffled-1000-1000-1000-60-epochs-seeds-0-1-2.json",
        "results/released-code/final-unsupervised-1000-1000-1000-60-epochs-seeds-0-1-2.json",
        "results/scaled-seeds-0-1-2.json",
        "results/seed.json",
        "results/unsupervised-pi-seeds-0-1-2.json", "results/unsupervised-seeds-0-1-2.json"]

    with pytest.raises(FileExistsError, match="holds files already: a run writes new files, never over others"):
        run_cells(CHAPTER_8, [3, 4], RUN=True, RESULTS=str(folder))
    with pytest.raises(FileExistsError, match="never over others"):
        run_cells(CHAPTER_8, [3, 4], RUN=True, MODEL=str(ROOT / "models" / "scaled.pt"))


# ----- chapters 12 and 13: a kept full-size network, in the clone, as on Colab, offline, or not at all -----

KEPT = {  # chapter -> its notebook, the network it loads, the final run's file it reads, what it says offline
    12: ("12_local_receptive_fields.ipynb", "local-10-2-seed-1", "results/local-10-2-whole-seeds-0-1-2.json",
         "No recorded local network here"),
    13: ("13_top_down_recurrence.ipynb", "recurrent-alpha-30-seed-0",
         "results/recurrent/final-alpha-30-epochs-20-cooldown-seeds-0-1-2.json", "No recorded recurrent network here"),
}


def kept_network_cells(chapter: int) -> list:
    """A chapter's parameters, its imports and the cell that loads the kept network."""
    notebook, network = KEPT[chapter][:2]
    cells = code_cells(notebook)
    loading = [i for i, source in cells.items() if f'saved_network("{network}")' in source]
    parameters = [i for i, source in cells.items() if source.startswith("SEED = ")]
    imports = [i for i, source in cells.items() if f"check_parameters({chapter}, globals())" in source]
    return parameters + imports + loading


@pytest.mark.parametrize("chapter", sorted(KEPT))
def test_a_chapter_loads_its_kept_network_in_the_clone_and_as_on_colab_and_goes_on_without_it(
        chapter, monkeypatch, tmp_path, capsys):
    notebook, network, final_file, offline_says = KEPT[chapter]
    cells = kept_network_cells(chapter)
    assert len(cells) == 3
    in_clone = run_cells(notebook, cells)
    assert in_clone["recorded_path"] == ROOT / "models" / f"{network}.pt"
    final_run = in_clone["final_run"]
    assert final_run == json.loads((ROOT / final_file).read_text()) and final_run["seeds"] == [0, 1, 2]
    if chapter == 12:
        assert in_clone["recorded_net"].config.receptive_fields == [[10, 2]] and final_run["test_look"] == 48
        own_net = ff_tutorial.FFNetwork([784, 20])
    else:
        assert in_clone["recorded_net"].config.hidden == [500, 500] and final_run["ledger_look"] == 55
        own_net = ff_tutorial.RecurrentFFNetwork(hidden=[20])
    own = tmp_path / "mine.pt"
    ff_tutorial.save(own_net, own)
    assert run_cells(notebook, cells, RECORDED_NETWORK_PATH=str(own))["recorded_net"].config == own_net.config

    as_on_colab(monkeypatch, tmp_path)
    with serve(ROOT) as (url, requests):
        monkeypatch.setenv(saved.FILES_URL_VARIABLE, url)
        on_colab = run_cells(notebook, cells)
    assert sorted(requests) == [f"/models/{network}.pt", f"/{final_file}"]
    assert on_colab["recorded_path"] == tmp_path / "cache" / "models" / f"{network}.pt"
    assert all((a == b).all() for a, b in zip(on_colab["recorded_net"].state_dict().values(),
                                              in_clone["recorded_net"].state_dict().values()))

    monkeypatch.setattr(saved, "CACHE", tmp_path / "empty")
    monkeypatch.setenv(saved.FILES_URL_VARIABLE, "http://127.0.0.1:9")  # nothing listens on the discard port
    capsys.readouterr()
    offline = run_cells(notebook, cells)
    assert offline["recorded_net"] is None
    said = capsys.readouterr().out.splitlines()[-1]
    assert said.startswith(f"{offline_says}: could not download models/{network}.pt")
    assert run_cells(notebook, cells, USE_RECORDED_NETWORK=False)["recorded_net"] is None
