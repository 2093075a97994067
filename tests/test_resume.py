"""A stopped run goes on from its last epoch and ends where a run never stopped ends."""

import json

import pytest
import torch

import ff_tutorial.cli as cli
from ff_tutorial.checkpoint import save
from ff_tutorial.engine import Engine
from ff_tutorial.ledger import looks
from ff_tutorial.recipes import PRESETS, seeded_networks
from ff_tutorial.resume import StateError, TrainingState
from ff_tutorial.schedules import train_greedy, train_simultaneous, train_unsupervised

SUPERVISED = PRESETS["fast"].replace(dims=(784, 30, 20), epochs=3)
UNSUPERVISED = PRESETS["unsupervised"].replace(dims=(784, 30, 20), epochs=3)
# 600 images in batches of 50: 12 steps an epoch (a layer's, for the greedy schedule)
SCHEDULES = {
    "simultaneous, jittered": (train_simultaneous, SUPERVISED, dict(jitter=1, cooldown=True)),
    "greedy, the blog's negatives drawn once": (train_greedy, SUPERVISED, dict(negatives="permuted")),
    "greedy, hard negatives": (train_greedy, SUPERVISED, dict(negatives="hard")),
    "unsupervised": (train_unsupervised, UNSUPERVISED, dict(jitter=1)),
}


@pytest.fixture(autouse=True)
def state_after_every_epoch(monkeypatch):
    """These runs take a fraction of a second an epoch: their state is written after every one."""
    monkeypatch.setattr(TrainingState, "every", 0.0)


def stop_at_step(monkeypatch, n: int):
    """Training raises KeyboardInterrupt at its n-th step, as Python does on Ctrl-C."""
    original, calls = Engine.eager_step, []

    def eager_step(engine, *args, **kwargs):
        calls.append(1)
        if len(calls) == n:
            raise KeyboardInterrupt
        return original(engine, *args, **kwargs)

    monkeypatch.setattr(Engine, "eager_step", eager_step)


def trained(small, schedule: str, **kwargs):
    """Two networks of `schedule`, seeds 0 and 1, trained together; their histories and generators."""
    train, recipe, settings = SCHEDULES[schedule]
    nets, generators = seeded_networks(recipe, [0, 1])
    data = (small[0][:600],) if train is train_unsupervised else (small[0][:600], small[1][:600])
    histories = train(nets, *data, 3, batch_size=50, generator=generators, progress=False, **settings, **kwargs)
    return nets, histories, generators


def same_weights(nets, others) -> bool:
    return all(torch.equal(a, b) for n, m in zip(nets, others)
               for a, b in zip(n.state_dict().values(), m.state_dict().values()))


@pytest.mark.parametrize("schedule", SCHEDULES)
@pytest.mark.parametrize("stopped_at", [15, 30])  # in the second epoch (of layer 0), and later
def test_a_stopped_run_resumed_ends_bit_for_bit_where_a_run_never_stopped_ends(small, schedule, stopped_at,
                                                                               tmp_path, monkeypatch):
    whole, whole_histories, whole_generators = trained(small, schedule)
    state = tmp_path / "state.pt"
    with monkeypatch.context() as patch:
        stop_at_step(patch, stopped_at)
        _, stopped, _ = trained(small, schedule, resume=state)
    assert stopped[0].interrupted and stopped[0].epochs_completed == (stopped_at - 1) // 12
    nets, histories, generators = trained(small, schedule, resume=state)
    assert same_weights(nets, whole)
    # the epoch cut short is taken again from its start: the losses are those of the unstopped run
    assert [h.layer_losses for h in histories] == [h.layer_losses for h in whole_histories]
    assert histories[0].resumed_at == [(stopped_at - 1) // 12]
    assert histories[0].epochs_completed == whole_histories[0].epochs_completed
    # what follows the layers (a read-out) draws as it would have
    assert all(torch.equal(g.get_state(), h.get_state()) for g, h in zip(generators, whole_generators))


def test_the_state_is_written_every_so_many_seconds_and_after_the_last_epoch(small, tmp_path, monkeypatch):
    monkeypatch.setattr(TrainingState, "every", 3600.0)
    state = tmp_path / "state.pt"
    with monkeypatch.context() as patch:
        stop_at_step(patch, 30)
        trained(small, "simultaneous, jittered", resume=state)
    assert not state.exists()  # two whole epochs, but not an hour
    trained(small, "simultaneous, jittered", resume=state)
    assert state.exists()  # the last epoch's


def test_a_state_saved_after_the_last_epoch_only_sets_the_generators(small, tmp_path):
    state = tmp_path / "state.pt"
    whole, _, whole_generators = trained(small, "simultaneous, jittered", resume=state)
    nets, histories, generators = trained(small, "simultaneous, jittered", resume=state)
    assert same_weights(nets, whole) and histories[0].resumed_at == [3]
    assert all(torch.equal(g.get_state(), h.get_state()) for g, h in zip(generators, whole_generators))


def test_the_state_of_another_run_is_refused_naming_what_differs(small, tmp_path):
    state = tmp_path / "state.pt"
    train, recipe, settings = SCHEDULES["simultaneous, jittered"]
    nets, generators = seeded_networks(recipe, [0, 1])
    train(nets, small[0][:600], small[1][:600], 1, batch_size=50, generator=generators,
          progress=False, resume=state, **settings)
    before = state.read_bytes()
    others = {
        "networks": (seeded_networks(recipe.replace(lr=0.01), [0, 1]), 600, 1),
        "started_from": (seeded_networks(recipe, [0, 2]), 600, 1),
        "data": (seeded_networks(recipe, [0, 1]), 500, 1),
        "epochs": (seeded_networks(recipe, [0, 1]), 600, 2),
    }
    for differs, ((nets, generators), n, epochs) in others.items():
        with pytest.raises(StateError, match=f"another run: it differs from this one in {differs}\\. "):
            train(nets, small[0][:n], small[1][:n], epochs, batch_size=50, generator=generators,
                  progress=False, resume=state, **settings)
        assert state.read_bytes() == before  # refused before a step was taken, and the file kept


def test_a_file_that_is_not_a_training_state_is_refused(small, tmp_path):
    train, recipe, settings = SCHEDULES["simultaneous, jittered"]
    nets, generators = seeded_networks(recipe, [0])
    (tmp_path / "notes.pt").write_text("my notes")
    save(nets[0], tmp_path / "network.pt")
    for name, why in (("notes.pt", "not a training state this package can read"),
                      ("network.pt", "not an ff_tutorial training state")):
        with pytest.raises(StateError, match=why):
            train(nets, small[0][:600], small[1][:600], 1, batch_size=50, generator=generators,
                  progress=False, resume=tmp_path / name, **settings)
        assert (tmp_path / name).exists()


TRAIN = ["train", "--dims", "784,20", "--train-size", "600", "--epochs", "3", "--readout-epochs", "10",
         "--seeds", "0,1", "--no-progress"]


def test_the_command_stopped_with_resume_looks_at_nothing_and_resumed_finishes_as_if_never_stopped(
        capsys, fast_data, monkeypatch, tmp_path):
    monkeypatch.setenv("FF_TUTORIAL_LEDGER", str(tmp_path / "looks.jsonl"))
    assert cli.main(TRAIN + ["--metrics", str(tmp_path / "whole.json")]) == 0
    whole = json.loads((tmp_path / "whole.json").read_text())
    state, metrics = tmp_path / "state.pt", tmp_path / "m.json"
    command = TRAIN + ["--resume", str(state), "--metrics", str(metrics), "--save", str(tmp_path / "net.pt")]
    with monkeypatch.context() as patch:
        stop_at_step(patch, 20)  # in the second epoch
        assert cli.main(command) == 130
    out = capsys.readouterr().out
    assert "The state after 1 of 3 epochs is in" in out and "give the same command again" in out
    # no test-set look, no metrics, no networks: they belong to the whole run
    assert len(looks(tmp_path / "looks.jsonl")) == 1
    assert not metrics.exists() and not list(tmp_path.glob("net*.pt")) and state.exists()
    assert cli.main(command) == 0
    resumed = json.loads(metrics.read_text())
    assert resumed["resumed_at_epochs"] == [1] and resumed["epochs_completed"] == 3
    for key in ("test_error", "test_error_one_pass", "train_error"):
        assert resumed[key] == whole[key]
    assert not state.exists() and "the run is finished" in capsys.readouterr().out
    # the same networks as the unstopped run: measuring them again is no new look
    assert resumed["test_look"] is None and len(looks(tmp_path / "looks.jsonl")) == 1


def test_the_command_stopped_before_its_first_state_says_it_will_start_again(capsys, fast_data, monkeypatch,
                                                                             tmp_path):
    stop_at_step(monkeypatch, 4)
    assert cli.main(TRAIN + ["--resume", str(tmp_path / "state.pt")]) == 130
    assert "Stopped before a state was written" in capsys.readouterr().out and not (tmp_path / "state.pt").exists()


def test_resume_and_metrics_naming_one_file_is_refused_before_training(capsys, fast_data, tmp_path):
    same = str(tmp_path / "x.json")
    assert cli.main(TRAIN + ["--resume", same, "--metrics", same]) == 2
    assert "name the same file" in capsys.readouterr().err and not fast_data


def test_the_command_stopped_while_measuring_writes_nothing_and_keeps_the_state(capsys, fast_data, monkeypatch,
                                                                                tmp_path):
    def measure(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "measure", measure)
    state, metrics = tmp_path / "state.pt", tmp_path / "m.json"
    assert cli.main(TRAIN + ["--resume", str(state), "--metrics", str(metrics)]) == 130
    assert "The state after 3 of 3 epochs" in capsys.readouterr().out
    assert state.exists() and not metrics.exists()
