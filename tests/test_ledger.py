"""The ledger of test-set looks: every look on the test set is one appended line, a re-measurement
is none, and validation never is."""

import json
from pathlib import Path

import pytest

import ff_tutorial.cli as cli
from ff_tutorial import FFNetwork
from ff_tutorial.ledger import KINDS, REPO_LEDGER, TRACKS, counts, fingerprint, looks, record_chapter_look, record_test_look

TINY = ["--dims", "784,30", "--train-size", "800", "--epochs", "1", "--no-progress"]


@pytest.fixture
def ledger(tmp_path, monkeypatch):
    path = tmp_path / "results" / "test-looks.jsonl"
    monkeypatch.setenv("FF_TUTORIAL_LEDGER", str(path))
    return path


def test_a_fingerprint_follows_the_weights_not_the_object():
    a, b = FFNetwork([784, 10]), FFNetwork([784, 10])
    assert fingerprint(a) != fingerprint(b)
    b.load_state_dict(a.state_dict())
    assert fingerprint(a) == fingerprint(b)


def test_a_network_measured_again_is_not_a_new_look_and_lines_are_only_appended(ledger):
    a, b = FFNetwork([784, 10]), FFNetwork([784, 10])
    assert record_test_look([a], "r", "why", {"test_error": 0.1}, "permutation-invariant", path=ledger) == 1
    first = ledger.read_text()
    assert record_test_look([a], "r", "again", {"test_error": 0.1}, "permutation-invariant", path=ledger) is None
    assert record_test_look([b], "r", "another", {"test_error": 0.2}, "permutation-invariant", path=ledger) == 2
    assert ledger.read_text().startswith(first)
    # a and b answering together is a new look, even though each alone was seen
    assert record_test_look([a, b], "a+b", "ensemble", {"test_error": 0.05}, "ensemble", together=True,
                            path=ledger) == 3
    assert record_test_look([b, a], "a+b", "again", {"test_error": 0.05}, "ensemble", together=True,
                            path=ledger) is None
    assert counts(ledger) == {"r": 2, "a+b": 1}
    assert [look["number"] for look in looks(ledger)] == [1, 2, 3]


def test_a_look_keeps_the_file_its_errors_are_written_to(ledger, tmp_path, monkeypatch):
    a, b, c = (FFNetwork([784, 10]) for _ in range(3))
    inside = REPO_LEDGER.parent / "some-run.json"  # only named, never written
    record_test_look([a], "r", "why", {"test_error": 0.1}, None, results=inside, path=ledger)
    monkeypatch.chdir(tmp_path)  # a relative name is where the caller stands
    record_test_look([b], "r", "why", {"test_error": 0.1}, None, results="run.json", path=ledger)
    record_test_look([c], "r", "why", {"test_error": 0.1}, None, path=ledger)
    assert [look.get("file") for look in looks(ledger)] == ["results/some-run.json", str(tmp_path / "run.json"), None]


def test_an_unknown_track_is_refused(ledger):
    with pytest.raises(ValueError, match="track must be one of"):
        record_test_look([FFNetwork([784, 10])], "r", "why", {}, "jittered", path=ledger)


def test_the_command_line_records_a_test_run_once_and_validation_never(capsys, fast_data, ledger, tmp_path):
    assert cli.main(["train", *TINY, "--validation"]) in (0, 3)
    assert not ledger.exists()
    assert cli.main(["train", *TINY, "--jitter", "1", "--save", str(tmp_path / "a.pt")]) in (0, 3)
    assert "this was test-set look 1" in capsys.readouterr().out
    [look] = looks(ledger)
    assert look["run"] == "fast (dims=(784, 30), epochs=1, train_size=800, jitter=1)"
    assert look["track"] == "image priors" and look["together"] is False and 0 < look["test_error"] < 1
    assert look["command"].startswith("python -m ff_tutorial train")
    assert "file" not in look  # the run kept no metrics file
    # the same seed trains the same network again on this machine: nothing new was seen
    assert cli.main(["train", *TINY, "--jitter", "1"]) in (0, 3)
    assert len(looks(ledger)) == 1 and "test-set look" not in capsys.readouterr().out
    # measuring it from its file is no new look either; with another network, together, it is
    assert cli.main(["train", *TINY, "--seed", "1", "--save", str(tmp_path / "b.pt")]) in (0, 3)
    assert cli.main(["evaluate", str(tmp_path / "a.pt"), str(tmp_path / "b.pt")]) == 0
    assert [(look["run"], look["track"], look["together"]) for look in looks(ledger)] == [
        ("fast (dims=(784, 30), epochs=1, train_size=800, jitter=1)", "image priors", False),
        ("fast (dims=(784, 30), epochs=1, train_size=800)", "permutation-invariant", False),
        ("ensemble of a + b", "ensemble", True)]


def test_a_read_out_on_shifted_images_puts_a_run_on_the_image_priors_track(capsys, fast_data, ledger, tmp_path):
    # the layers see the images where they are; only the read-out learns from shifted ones
    assert cli.main(["train", *TINY, "--readout-epochs", "1", "--readout-jitter", "1",
                     "--metrics", str(tmp_path / "run.json")]) in (0, 3)
    [look] = looks(ledger)
    assert look["run"] == "fast (dims=(784, 30), epochs=1, train_size=800, readout_epochs=1, readout_jitter=1)"
    assert look["track"] == "image priors"
    metrics = json.loads((tmp_path / "run.json").read_text())
    assert metrics["settings"]["readout_jitter"] == 1 and metrics["readout_epochs_completed"] == 1


def test_the_command_line_names_the_metrics_file_of_its_look(capsys, fast_data, ledger, tmp_path):
    assert cli.main(["train", *TINY, "--metrics", str(tmp_path / "run.json")]) in (0, 3)
    [look] = looks(ledger)
    assert look["file"] == str(tmp_path / "run.json")
    assert json.loads((tmp_path / "run.json").read_text())["test_error"] == pytest.approx(look["test_error"], abs=1e-6)


def test_an_unwritable_ledger_stops_a_test_run_before_training(capsys, fast_data, tmp_path, monkeypatch):
    (tmp_path / "a-file").write_text("")
    monkeypatch.setenv("FF_TUTORIAL_LEDGER", str(tmp_path / "a-file" / "looks.jsonl"))
    assert cli.main(["train", *TINY]) == 2
    assert "cannot write the ledger of test-set looks" in capsys.readouterr().err


def test_the_repository_ledger_is_well_formed():
    entries = looks(REPO_LEDGER)
    assert entries, "the ledger starts with the looks recovered from the project's history"
    assert [e["number"] for e in entries] == list(range(1, len(entries) + 1))
    for e in entries:
        assert e["kind"] in KINDS and (e["track"] in TRACKS or e["track"] is None), e
        assert e["run"] and e["why"] and e["date"], e
    assert REPO_LEDGER.read_text().endswith("\n") and all(json.loads(line) for line in
                                                          REPO_LEDGER.read_text().splitlines())


def test_a_test_set_curve_is_recorded_as_a_look_made_while_tuning(capsys, fast_data, ledger):
    assert cli.main(["train", *TINY, "--eval-every", "1"]) in (0, 3)
    [look] = looks(ledger)
    assert look["kind"] == "tuning" and look["track"] == "permutation-invariant"


def test_local_receptive_fields_put_a_look_in_the_image_priors_track(capsys, fast_data, ledger):
    from ff_tutorial.ledger import track_of
    assert track_of(0) == "permutation-invariant" and track_of(0, receptive_fields=((12, 4),)) == "image priors"
    assert track_of(0, readout_jitter=1) == "image priors"  # only the read-out saw shifted images
    assert cli.main(["train", "--dims", "784,100", "--receptive-fields", "12:4", "--train-size", "800",
                     "--epochs", "1", "--no-progress"]) in (0, 3)
    [look] = looks(ledger)
    assert look["track"] == "image priors"


def test_a_chapter_records_its_own_networks_once_per_set_of_weights(ledger):
    a, b = FFNetwork([784, 10]), FFNetwork([784, 10])
    record_chapter_look(4, [a], {"test_error": 0.3})
    record_chapter_look(4, [a], {"test_error": 0.3})  # the chapter run again: the same weights
    assert len(looks(ledger)) == 1
    record_chapter_look(10, [a, b], {"depth_1": 0.3, "depth_2": 0.2})  # b is new
    first, second = looks(ledger)
    assert first["kind"] == "chapter" and first["run"] == "chapter 4" and first["track"] == "permutation-invariant"
    assert first["command"] == "notebooks/04_greedy_network.ipynb" and not first["together"]
    assert second["networks"] == [fingerprint(a), fingerprint(b)] and second["depth_2"] == 0.2
    with pytest.raises(ValueError, match="kind must be one of"):
        record_test_look([b], "r", "why", {}, None, kind="chapters", path=ledger)


def test_every_chapter_that_measures_on_the_test_set_records_it():
    """A chapter that computes an error on MNIST's test set calls record_chapter_look (chapter 8
    measures only recorded networks through the command line, which records for itself)."""
    for notebook in sorted(Path(REPO_LEDGER).parent.parent.glob("notebooks/*.ipynb")):
        code = "\n".join("".join(c["source"]) for c in json.loads(notebook.read_text())["cells"]
                         if c["cell_type"] == "code")
        measures = any(pattern in code for pattern in ("error_rate(data.x_test", "error_rate(x_test",
                                                       "x_test=data.x_test", "!= y_test"))
        if measures and not notebook.name.startswith("08_"):
            assert "record_chapter_look(" in code, notebook.name
