"""`python -m ff_tutorial train`: its help, its refusals, a tiny real run, and Ctrl-C."""

import json
import time

import pytest
import torch

import ff_tutorial.cli as cli
from ff_tutorial import load
from ff_tutorial.engine import Engine
from conftest import run_module


def test_train_help_names_the_presets_and_the_outputs(capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["train", "--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    for text in ["seed", "fast", "1000 epochs", "lr 0.03", "--preset", "--save", "--metrics", "--no-progress",
                 "--epochs", "--dims"]:
        assert text in out, text


def test_every_recipe_setting_has_its_own_flag(capsys):
    from dataclasses import fields
    from ff_tutorial.recipes import Recipe
    with pytest.raises(SystemExit):
        cli.main(["train", "--help"])
    out = capsys.readouterr().out
    for field in fields(Recipe):
        assert f"--{field.name.replace('_', '-')}" in out, field.name


@pytest.mark.parametrize("flags, says", [
    (["--jitter", "2", "--schedule", "greedy"], "jitter needs the simultaneous schedule"),
    (["--readout-from", "5", "--readout-epochs", "1"], "readout_from must name a layer"),
    (["--readout-jitter", "1", "--readout-epochs", "0"], "needs a read-out (readout_epochs > 0)"),
    (["--readout-jitter", "28", "--readout-epochs", "1"], "fewer pixels than the image's side"),
])
def test_settings_that_do_not_go_together_are_refused_before_training(capsys, fast_data, flags, says):
    assert cli.main(["train", "--no-progress", "--train-size", "100", *flags]) == 2
    assert says in capsys.readouterr().err


def test_a_command_is_required(capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main([])
    assert exit_.value.code == 2
    assert "train" in capsys.readouterr().err


@pytest.mark.parametrize("flags, says", [
    (["--epochs", "0"], "must be a finite positive number, got 0"),
    (["--epochs", "two"], "expected a whole number, got 'two'"),
    (["--lr", "fast"], "expected a number, got 'fast'"),
    (["--lr", "-1"], "must be a finite positive number, got -1"),
    (["--lr", "nan"], "finite positive"),
    (["--lr", "inf"], "finite positive"),
    (["--threshold", "0"], "positive"),
    (["--batch-size", "-1"], "zero or positive"),
    (["--train-size", "0"], "positive"),
    (["--dims", "784,x"], "comma-separated integers"),
    (["--preset", "blog"], "invalid choice"),
    (["--negatives", "random"], "invalid choice"),
    (["--jitter", "-1"], "zero or positive"),
    (["--readout-lr", "0"], "positive"),
    (["--readout-jitter", "-1"], "zero or positive"),
    (["--readout-jitter", "half"], "whole number"),
    (["--readout-from", "one"], "whole number"),
    (["--weight-decay", "-0.1"], "zero or positive"),
    (["--pixel-dropout", "1"], "fraction below 1"),
    (["--pixel-dropout", "-0.2"], "zero or positive"),
])
def test_bad_flag_values_exit_2_with_a_readable_message(capsys, flags, says):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["train", *flags])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert flags[0] in err and says in err
    assert "Traceback" not in err


@pytest.mark.parametrize("flags, says", [
    (["--dims", "784"], "dims must list"),
    (["--dims", "784,0"], "positive integer"),
    (["--dims", "783,10"], "784"),
    (["--train-size", "70000"], "at most 60000"),
])
def test_values_that_parse_but_make_no_sense_exit_2(capsys, fast_data, flags, says):
    assert cli.main(["train", "--no-progress", "--epochs", "1", *flags]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:") and says in err


def test_a_missing_gpu_exits_2_before_loading_anything(capsys, fast_data, monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert cli.main(["train", "--device", "cuda", "--no-progress"]) == 2
    assert "device 'cuda'" in capsys.readouterr().err
    assert fast_data == []


def test_a_data_folder_without_mnist_exits_2_naming_the_file(capsys, tmp_path):
    assert cli.main(["train", "--data", str(tmp_path), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert str(tmp_path / "train-images-idx3-ubyte.gz") in err


def test_a_diverging_run_exits_1_and_says_where(capsys, fast_data):
    code = cli.main(["train", "--dims", "784,20", "--train-size", "500", "--epochs", "2", "--lr", "1e30",
                     "--no-progress"])
    assert code == 1
    err = capsys.readouterr().err
    assert "training diverged in layer 0 at its step 1" in err and "smaller learning rate" in err


def test_ctrl_c_keeps_and_saves_what_was_learned(capsys, fast_data, monkeypatch, tmp_path, mnist):
    calls = []
    original = Engine.eager_step

    def eager_step(engine, first, last, x):
        calls.append(1)
        if len(calls) > 6:
            raise KeyboardInterrupt
        return original(engine, first, last, x)

    monkeypatch.setattr(Engine, "eager_step", eager_step)
    code = cli.main(["train", "--dims", "784,20,20", "--train-size", "1000", "--epochs", "5",
                     "--save", str(tmp_path / "net.pt"), "--metrics", str(tmp_path / "m.json"), "--no-progress"])
    assert code == 130  # the shell's convention after Ctrl-C, with what was learned saved
    assert "interrupted" in capsys.readouterr().out
    metrics = json.loads((tmp_path / "m.json").read_text())
    net = load(tmp_path / "net.pt")
    assert net.config.dims == [784, 20, 20]
    # what was measured after the interruption is the network that was saved
    assert metrics["interrupted"] is True
    assert metrics["test_error"] == pytest.approx(net.error_rate(mnist.x_test, mnist.y_test), abs=1e-9)


def test_readout_epochs_add_a_one_pass_error(capsys, fast_data, tmp_path, mnist):
    code = cli.main(["train", "--dims", "784,20", "--train-size", "500", "--epochs", "1", "--readout-epochs", "1",
                     "--metrics", str(tmp_path / "m.json"), "--save", str(tmp_path / "net.pt"), "--no-progress"])
    assert code == 0
    metrics = json.loads((tmp_path / "m.json").read_text())
    net = load(tmp_path / "net.pt")
    assert metrics["test_error_one_pass"] == pytest.approx(net.error_rate(mnist.x_test, mnist.y_test, one_pass=True),
                                                           abs=1e-9)
    assert "one-pass" in capsys.readouterr().out


@pytest.mark.slow  # a fresh process, and a network trained on 2,000 images
def test_a_tiny_real_run_writes_metrics_and_a_loadable_checkpoint(tmp_path, mnist):
    metrics_path, model_path = tmp_path / "out" / "metrics.json", tmp_path / "out" / "net.pt"
    result = run_module("train", "--train-size", "2000", "--epochs", "1", "--dims", "784,50",
                        "--metrics", str(metrics_path), "--save", str(model_path), "--no-progress")
    assert result.returncode == 0, result.stderr
    assert "test error" in result.stdout and "train time" in result.stdout
    metrics = json.loads(metrics_path.read_text())
    assert metrics["preset"] == "fast" and metrics["interrupted"] is False
    assert metrics["settings"]["dims"] == [784, 50] and metrics["settings"]["train_size"] == 2000
    net = load(model_path)
    assert metrics["train_error"] == pytest.approx(net.error_rate(mnist.x_train[:2000], mnist.y_train[:2000]), abs=1e-9)
    assert net.config.dims == [784, 50]
    # the checkpoint is the network that was measured: it gets the same test error again
    assert net.error_rate(mnist.x_test, mnist.y_test) == pytest.approx(metrics["test_error"], abs=1e-9)


def test_validation_holds_out_the_last_10000_training_images_and_never_reports_test_error(capsys, mnist,
                                                                                        fast_data, tmp_path):
    path = tmp_path / "v.json"
    code = cli.main(["train", "--dims", "784,20", "--train-size", "500", "--epochs", "1", "--validation",
                     "--metrics", str(path), "--no-progress"])
    assert code == 0
    metrics = json.loads(path.read_text())
    assert "test_error" not in metrics and "validation_error" in metrics  # its value: checked below
    assert "validation error" in capsys.readouterr().out
    assert metrics["command"].startswith("python -m ff_tutorial train --dims 784,20")
    assert metrics["machine"]
    # the number is the error on images 50,000..59,999, which the network never trained on
    code = cli.main(["train", "--dims", "784,20", "--train-size", "500", "--epochs", "1", "--save",
                     str(tmp_path / "n.pt"), "--no-progress", "--validation"])
    net = load(tmp_path / "n.pt")
    assert net.error_rate(mnist.x_train[50_000:], mnist.y_train[50_000:]) == pytest.approx(
        metrics["validation_error"], abs=1e-9)


def test_validation_refuses_to_train_on_the_held_out_images(capsys, fast_data):
    assert cli.main(["train", "--train-size", "60000", "--validation", "--no-progress"]) == 2
    assert "at most 50000" in capsys.readouterr().err


def test_an_unsupervised_run_reports_only_its_read_out(capsys, fast_data, tmp_path, mnist):
    path = tmp_path / "u.json"
    code = cli.main(["train", "--preset", "unsupervised", "--dims", "784,20", "--train-size", "500",
                     "--epochs", "1", "--readout-epochs", "1", "--metrics", str(path), "--save", str(tmp_path / "u.pt"),
                     "--no-progress"])
    assert code == 3  # one epoch on 500 images: the read-out is no better than chance, and the run says so
    metrics = json.loads(path.read_text())
    assert metrics["useless"] is True and "no better than always answering" in metrics["warnings"][0]
    assert "test_error" not in metrics
    net = load(tmp_path / "u.pt")
    assert metrics["test_error_one_pass"] == pytest.approx(net.error_rate(mnist.x_test, mnist.y_test, one_pass=True),
                                                           abs=1e-9)
    assert metrics["settings"]["embedding"] == "none" and metrics["settings"]["negatives"] == "hybrid"


def test_a_label_embedding_with_hybrid_negatives_is_refused(capsys, fast_data):
    assert cli.main(["train", "--negatives", "hybrid", "--no-progress", "--train-size", "100"]) == 2
    assert "hybrid" in capsys.readouterr().err


@pytest.mark.slow  # three evaluations on the whole test set
def test_eval_every_records_the_error_curve_against_training_time(capsys, fast_data, mnist, tmp_path):
    path = tmp_path / "c.json"
    code = cli.main(["train", "--dims", "784,20", "--train-size", "500", "--epochs", "3", "--eval-every", "1",
                     "--metrics", str(path), "--save", str(tmp_path / "n.pt"), "--no-progress"])
    assert code == 0
    metrics = json.loads(path.read_text())
    curve = metrics["curve"]
    assert curve["epochs"] == [1, 2, 3] and curve["evaluated_on"] == "test"
    assert curve["train_seconds"] == sorted(curve["train_seconds"])
    assert curve["train_seconds"][-1] <= metrics["train_seconds"] + 0.01
    # the last point of the curve is the finished network's test error
    assert curve["error"][-1] == pytest.approx(metrics["test_error"], abs=1e-9)
    assert "after epoch 3: test error" in capsys.readouterr().out


def test_eval_every_is_refused_for_a_network_without_labels(capsys, fast_data):
    assert cli.main(["train", "--preset", "unsupervised", "--eval-every", "1", "--train-size", "100",
                     "--no-progress"]) == 2
    assert "read-out" in capsys.readouterr().err


def save_tiny(path, seed, readout=True, preset="fast"):
    flags = ["train", "--preset", preset, "--dims", "784,30", "--train-size", "800", "--epochs", "1",
             "--seed", str(seed), "--save", str(path), "--no-progress"]
    code = cli.main(flags + (["--readout-epochs", "1"] if readout else ["--readout-epochs", "0"]))
    assert code in (0, 3)  # 3: so little training can leave a network no better than chance, and says so


@pytest.mark.slow  # two networks trained, then measured on the whole test set alone and together
def test_evaluate_measures_each_network_and_the_ensemble_and_records_which_files(capsys, fast_data, mnist,
                                                                                tmp_path):
    import hashlib
    from ff_tutorial import Ensemble
    a, b, path = tmp_path / "a.pt", tmp_path / "b.pt", tmp_path / "out" / "e.json"
    save_tiny(a, 0)
    save_tiny(b, 1)
    capsys.readouterr()
    start = time.perf_counter()
    assert cli.main(["evaluate", str(a), str(b), "--metrics", str(path)]) == 0
    seconds = time.perf_counter() - start
    out = capsys.readouterr().out
    assert f"{a}: test error" in out and "together (2 networks): test error" in out
    metrics = json.loads(path.read_text())
    assert metrics["command"] == f"python -m ff_tutorial evaluate {a} {b} --metrics {path}"
    assert metrics["machine"] and 0 < metrics["evaluate_seconds"] <= seconds + 0.005  # rounded to 0.01 s
    nets = [load(a), load(b)]
    x, y = mnist.x_test, mnist.y_test
    for member, file, net in zip(metrics["members"], (a, b), nets):
        assert member["model"] == str(file)
        assert member["sha256"] == hashlib.sha256(file.read_bytes()).hexdigest()
        assert member["config"] == net.config.to_dict()
        assert member["test_error"] == pytest.approx(net.error_rate(x, y), abs=1e-9)
        assert member["test_error_one_pass"] == pytest.approx(net.error_rate(x, y, one_pass=True), abs=1e-9)
    together = Ensemble(nets)
    assert metrics["test_error"] == pytest.approx(together.error_rate(x, y), abs=1e-9)
    assert metrics["test_error_one_pass"] == pytest.approx(together.error_rate(x, y, one_pass=True), abs=1e-9)


def test_evaluate_on_validation_never_reports_test_error(capsys, fast_data, mnist, tmp_path):
    a, path = tmp_path / "a.pt", tmp_path / "v.json"
    save_tiny(a, 0)
    assert cli.main(["evaluate", str(a), "--validation", "--metrics", str(path)]) == 0
    metrics = json.loads(path.read_text())
    assert "test_error" not in metrics["members"][0] and "test_error" not in metrics
    assert "together" not in capsys.readouterr().out  # one network: nothing to add up
    assert metrics["members"][0]["validation_error"] == pytest.approx(
        load(a).error_rate(mnist.x_train[50_000:], mnist.y_train[50_000:]), abs=1e-9)


def test_evaluate_adds_up_only_the_ways_every_network_can_answer(capsys, fast_data, tmp_path):
    supervised, unsupervised, bare = tmp_path / "s.pt", tmp_path / "u.pt", tmp_path / "bare.pt"
    save_tiny(supervised, 0)
    save_tiny(unsupervised, 0, preset="unsupervised")
    save_tiny(bare, 0, readout=False, preset="unsupervised")
    capsys.readouterr()
    assert cli.main(["evaluate", str(supervised), str(unsupervised)]) == 0
    together = [line for line in capsys.readouterr().out.splitlines() if line.startswith("together")]
    assert len(together) == 1 and "one pass" in together[0] and "ten passes" not in together[0]
    assert cli.main(["evaluate", str(bare)]) == 2
    assert "no trained read-out" in capsys.readouterr().err


def test_evaluate_names_a_missing_or_broken_file_and_exits_2(capsys, fast_data, tmp_path):
    assert cli.main(["evaluate", str(tmp_path / "nothing.pt")]) == 2
    assert "no checkpoint at" in capsys.readouterr().err
    (tmp_path / "junk.pt").write_text("not a network")
    assert cli.main(["evaluate", str(tmp_path / "junk.pt")]) == 2
    assert "junk.pt" in capsys.readouterr().err


def test_evaluate_help_says_how_networks_answer_together(capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["evaluate", "--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    for text in ["together", "goodness", "probabilities", "--validation", "--metrics", "MODEL"]:
        assert text in out, text


def test_several_seeds_train_at_once_and_report_each_and_their_spread(capsys, fast_data, tmp_path):
    common = ["train", "--dims", "784,20", "--train-size", "500", "--epochs", "1", "--no-progress"]
    assert cli.main(common + ["--seeds", "0,1", "--save", str(tmp_path / "net.pt"),
                              "--metrics", str(tmp_path / "both.json")]) == 0
    out = capsys.readouterr().out
    assert "seed 0: train error" in out and "seed 1: train error" in out and "+-" in out
    both = json.loads((tmp_path / "both.json").read_text())
    errors = [s["test_error"] for s in both["per_seed"]]
    assert both["seeds"] == [0, 1] and [s["seed"] for s in both["per_seed"]] == [0, 1]
    assert both["test_error"] == pytest.approx(sum(errors) / 2)
    assert both["test_error_std"] == pytest.approx(abs(errors[0] - errors[1]) / 2 ** 0.5)
    # the second network is the one `--seed 1` trains alone (to rounding, in a run this short), and is
    # saved under its seed's name
    assert cli.main(common + ["--seed", "1", "--metrics", str(tmp_path / "one.json")]) == 0
    alone = json.loads((tmp_path / "one.json").read_text())
    assert errors[1] == pytest.approx(alone["test_error"], abs=2e-4)  # one test image in 10,000 at most
    assert load(tmp_path / "net-seed-1.pt").config.dims == [784, 20]
    assert (tmp_path / "net-seed-0.pt").is_file() and not (tmp_path / "net.pt").exists()


def test_seeds_must_be_distinct_whole_numbers(capsys):
    for bad in ("0,0", "a,b", "-1,2"):
        with pytest.raises(SystemExit):
            cli.main(["train", f"--seeds={bad}"])
        assert "seeds must be" in capsys.readouterr().err
