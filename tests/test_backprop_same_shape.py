"""The backprop network of chapter 12's shape: one look at the test set when all its networks are
trained, none on validation, and networks kept between sittings give the same record."""

import json

import pytest

from experiments import backprop_same_shape as experiment
from ff_tutorial.ledger import looks

TINY = ["--epochs", "1", "--train-size", "300"]


@pytest.fixture(autouse=True)
def few_images(monkeypatch, mnist_piece):
    piece = mnist_piece(1000)
    monkeypatch.setattr(experiment, "load_mnist", lambda: piece)


def test_the_test_set_is_looked_at_once_for_all_the_networks(tmp_path, monkeypatch, capsys):
    ledger = tmp_path / "looks.jsonl"
    monkeypatch.setenv("FF_TUTORIAL_LEDGER", str(ledger))
    record = tmp_path / "bp.json"
    assert experiment.main(TINY + ["--seeds", "0,1", "--path", str(record)]) == 0
    written = json.loads(record.read_text())
    [look] = looks(ledger)
    assert written["test_look"] == look["number"] == 1 and look["track"] == "image priors"
    assert len(look["networks"]) == 2 and written["seeds"] == [0, 1]
    assert written["test_error"] == pytest.approx(sum(written["test_errors"]) / 2)
    assert written["receptive_fields"] == [[10, 2]] and written["cooldown"] is True
    # the same networks measured again (the run repeated, bit for bit on a CPU) are no new look
    assert experiment.main(TINY + ["--seeds", "0,1", "--path", str(record), "--force"]) == 0
    assert len(looks(ledger)) == 1


def test_validation_is_no_look(tmp_path, monkeypatch):
    ledger = tmp_path / "looks.jsonl"
    monkeypatch.setenv("FF_TUTORIAL_LEDGER", str(ledger))
    record = tmp_path / "bp.json"
    assert experiment.main(TINY + ["--seeds", "3", "--validation", "--path", str(record)]) == 0
    written = json.loads(record.read_text())
    assert written["split"] == "validation" and written["test_look"] is None and "test_error" not in written
    assert looks(ledger) == []


def test_networks_kept_from_an_earlier_sitting_give_the_same_record(tmp_path, capsys):
    at_once, in_two = tmp_path / "once.json", tmp_path / "two.json"
    assert experiment.main(TINY + ["--seeds", "0,1", "--path", str(at_once)]) == 0
    assert experiment.main(TINY + ["--seeds", "0", "--path", str(tmp_path / "first.json"),
                                   "--keep", str(tmp_path / "kept")]) == 0
    assert experiment.main(TINY + ["--seeds", "0,1", "--path", str(in_two), "--keep", str(tmp_path / "kept")]) == 0
    assert "seed 0: trained earlier" in capsys.readouterr().out
    assert json.loads(in_two.read_text())["test_errors"] == json.loads(at_once.read_text())["test_errors"]


def test_a_kept_network_of_other_settings_is_refused_before_training(tmp_path, capsys, monkeypatch):
    assert experiment.main(TINY + ["--seeds", "0", "--path", str(tmp_path / "a.json"),
                                   "--keep", str(tmp_path / "kept")]) == 0
    monkeypatch.setattr(experiment, "load_mnist", lambda: pytest.fail("loaded data to train"))
    assert experiment.main(["--epochs", "2", "--train-size", "300", "--seeds", "0", "--path",
                            str(tmp_path / "b.json"), "--keep", str(tmp_path / "kept")]) == 2
    assert "other settings" in capsys.readouterr().err and not (tmp_path / "b.json").exists()


@pytest.mark.parametrize("bad, message", [(["--epochs", "0"], "positive number"),
                                          (["--epochs", "nan"], "expected a whole number"),
                                          (["--train-size", "60001"], "at most 60000"),
                                          (["--train-size", "50001", "--validation"], "at most 50000")])
def test_bad_settings_are_refused_with_their_reason_and_nothing_written(bad, message, tmp_path, capsys):
    with pytest.raises(SystemExit) as stop:
        experiment.main(bad + ["--path", str(tmp_path / "bp.json")])
    assert stop.value.code == 2 and message in capsys.readouterr().err
    assert not (tmp_path / "bp.json").exists()
