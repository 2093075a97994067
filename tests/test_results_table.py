"""The book's table of results is written from the metrics files, and is up to date with them."""

import json
import shlex

import pytest

from experiments import table


def test_the_tables_in_the_repository_are_the_ones_the_metrics_files_make():
    assert (table.RESULTS / "table.md").read_text() == table.table()
    assert (table.RESULTS / "validation-table.md").read_text() == table.validation_table()
    assert (table.RESULTS / "gpu-table.md").read_text() == table.gpu_table()
    assert (table.RESULTS / "test-looks.md").read_text() == table.looks_table()


def test_every_row_names_its_error_time_machine_and_command(tmp_path, monkeypatch):
    metrics = dict(preset="fast", command="python -m ff_tutorial train --preset fast", machine="a CPU",
                   train_seconds=200.0, test_error=0.0325, train_error=0.02,
                   settings=dict(dims=[784, 500, 500], schedule="simultaneous", epochs=5, batch_size=50,
                                 train_size=50000, negatives="wrong", loss="symba", readout_epochs=0))
    (tmp_path / "fast.json").write_text(json.dumps(metrics))
    monkeypatch.setattr(table, "RESULTS", tmp_path)
    monkeypatch.setattr(table, "ANCHORS", tmp_path / "anchors.json")  # none: no published rows
    lines = [line for line in table.table().splitlines() if line.startswith("|")]
    assert len(lines) == 6  # two tables of a header, a rule, and the one run there is
    cells = [c.strip() for c in lines[2].strip("|").split("|")]
    assert cells[:2] == ["fast", "3.25%"] and "784-500-500" in cells and "50,000" in cells
    assert "3.3 min" in cells
    assert cells[8] == ""  # no curve recorded: no time to each level
    how = [c.strip() for c in lines[5].strip("|").split("|")]
    assert how[0] == "fast" and "a CPU" in how and "`python -m ff_tutorial train --preset fast`" in how
    metrics["curve"] = dict(epochs=[1, 2, 3], train_seconds=[20.0, 40.0, 60.0], error=[0.08, 0.05, 0.03])
    (tmp_path / "fast.json").write_text(json.dumps(metrics))
    lines = [line for line in table.table().splitlines() if line.startswith("|")]
    cells = [c.strip() for c in lines[2].strip("|").split("|")]
    assert cells[8] == "40 s / not reached"


def test_the_recipe_column_names_each_local_layer_and_its_patches():
    settings = dict(schedule="simultaneous", batch_size=50, negatives="wrong", loss="symba", jitter=1)
    assert table.describe(settings) == ("all layers at once, batches of 50, wrong negatives, symba loss, "
                                        "images shifted by up to 1 pixel")
    local = table.describe(dict(settings, receptive_fields=[[10, 2], [6, 4]]))
    assert local.endswith(", layer 1 local (10 x 10 patches, 2 apart), layer 2 local (6 x 6 patches, 4 apart)")
    assert table.run_track(dict(settings=dict(jitter=0, receptive_fields=[[10, 2]]))) == "image priors"
    # a read-out that learns from shifted images uses the prior too, even over layers that do not
    assert table.describe(dict(settings, jitter=0, readout_jitter=1)).endswith(
        ", symba loss, read-out on images shifted by up to 1 pixel")
    assert table.run_track(dict(settings=dict(jitter=0, readout_jitter=1))) == "image priors"
    assert table.run_track(dict(settings=dict(jitter=0))) == "permutation-invariant"
    # blanked pixels know nothing of which pixels are neighbours: the track stays permutation-invariant
    assert table.describe(dict(settings, jitter=0, pixel_dropout=0.2)).endswith(", symba loss, 20% of pixels blanked")
    assert table.run_track(dict(settings=dict(jitter=0, pixel_dropout=0.2))) == "permutation-invariant"


def test_a_run_stopped_early_says_how_far_it_got_where_its_epochs_would_be():
    m = dict(interrupted=True, epochs_completed=58, epochs_planned=100, readout_epochs_planned=10,
             readout_epochs_completed=[0, 0, 0], train_seconds=6712.9, test_error=0.0139,
             settings=dict(dims=[784, 1000], schedule="simultaneous", epochs=100, readout_epochs=10, train_size=60000))
    cells = [c.strip() for c in table.row("stopped", m, "test").strip("|").split("|")]
    assert cells[4] == "interrupted after 58 of 100 epochs, no read-out"
    m.update(epochs_completed=100, readout_epochs_completed=4)
    assert table.interrupted_at(m) == "interrupted after 100 of 100 epochs, 4 of 10 read-out"


def test_a_run_taken_in_sittings_says_where_it_was_resumed():
    m = dict(interrupted=False, epochs_completed=100, epochs_planned=100, resumed_at_epochs=[4, 61],
             train_seconds=6000.0, test_error=0.01,
             settings=dict(dims=[784, 1000], schedule="simultaneous", epochs=100, readout_epochs=10, train_size=60000))
    cells = [c.strip() for c in table.row("resumed", m, "test").strip("|").split("|")]
    assert cells[4] == "100 + 10 read-out, resumed after epoch 4, 61"


def sections(text: str) -> dict:
    """The table's parts, by the bold label that opens each: {the label up to its colon: text}."""
    parts = {}
    for part in text.split("\n**"):
        label = part.lstrip("*").split(":")[0]
        parts[label] = part
    return parts


def test_each_run_stands_in_its_track_beside_that_tracks_published_numbers(tmp_path, monkeypatch):
    monkeypatch.setattr(table, "RESULTS", tmp_path)
    monkeypatch.setattr(table, "ANCHORS", tmp_path / "anchors.json")
    settings = dict(dims=[784, 500], schedule="simultaneous", epochs=5, batch_size=50, train_size=60000,
                    negatives="wrong", loss="symba", readout_epochs=0)
    for name, jitter in [("fast", 0), ("scaled", 1), ("accurate", None)]:  # None: recorded before jitter existed
        run_settings = settings if jitter is None else dict(settings, jitter=jitter)
        (tmp_path / f"{name}.json").write_text(json.dumps(dict(
            command=f"python -m ff_tutorial train --preset {name}", machine="a CPU", train_seconds=60.0,
            test_error=0.02, settings=run_settings)))
    (tmp_path / "ensembles").mkdir()
    (tmp_path / "ensembles" / "pair.json").write_text(json.dumps(dict(
        command="python -m ff_tutorial evaluate models/scaled.pt models/fast.pt", test_error=0.0125,
        members=[dict(model="models/scaled.pt", test_error=0.02), dict(model="models/fast.pt", test_error=0.02)])))
    (tmp_path / "anchors.json").write_text(json.dumps(dict(anchors=[
        dict(name="Paper, fully connected", track="permutation-invariant", learning="supervised",
             architecture="4 x 2000", test_error_percent=1.36, cite="hinton2022forward", where="section 3.3"),
        dict(name="Paper, shifted images", track="image priors", learning="supervised",
             architecture="4 x 2000, jitter", test_error_percent=0.64, cite="hinton2022forward", where="section 3.3"),
    ])))
    parts = sections(table.table())
    assert list(parts) == ["Permutation-invariant", "With image priors", "Ensembles"]
    runs = {label: [line.split("|")[1].strip() for line in text.splitlines()
                    if line.startswith("| ") and "`python" in line and "evaluate" not in line]
            for label, text in parts.items()}
    assert runs == {"Permutation-invariant": ["fast", "accurate"], "With image priors": ["scaled"], "Ensembles": []}
    assert "| Paper, fully connected {cite}`hinton2022forward` | supervised | 4 x 2000 | 1.36% |" in (
        parts["Permutation-invariant"])
    assert "0.64%" in parts["With image priors"] and "0.64%" not in parts["Permutation-invariant"]
    assert "1.36%" not in parts["With image priors"] and "| pair | 1.25% |" in parts["Ensembles"]
    assert "%" not in parts["Ensembles"].split("| pair")[0]  # no published number stands beside an ensemble


def bib_keys() -> set:
    import re
    return set(re.findall(r"@\w+\{([^,]+),", (table.ROOT / "book" / "references.bib").read_text()))


def test_every_published_number_names_its_track_its_citation_and_where_it_is_stated():
    published = table.anchors()
    assert published, "results/anchors.json lists the published numbers the book compares with"
    keys = bib_keys()
    for anchor in published:
        assert anchor["track"] in ("permutation-invariant", "image priors"), anchor  # an ensemble is never one
        assert anchor["learning"] in ("supervised", "unsupervised"), anchor
        assert anchor["cite"] in keys, anchor["cite"]
        assert anchor["architecture"] and anchor["where"], anchor
        assert 0 < anchor["test_error_percent"] < 100, anchor
    tracks = {(a["track"], a["learning"]) for a in published}
    assert tracks == {(t, s) for t in ("permutation-invariant", "image priors")
                      for s in ("supervised", "unsupervised")}  # both tracks have both kinds of anchor


def test_the_gpu_table_sets_each_gpu_run_beside_its_cpu_run(tmp_path, monkeypatch):
    monkeypatch.setattr(table, "RESULTS", tmp_path)
    assert "No run has been made on a GPU" in table.gpu_table()
    settings = dict(dims=[784, 500, 500], schedule="simultaneous", epochs=5, batch_size=50,
                    train_size=50000, negatives="wrong", loss="symba", readout_epochs=0)
    cpu = dict(command="python -m ff_tutorial train --preset fast", machine="a CPU", train_seconds=300.0,
               test_error=0.0325, settings=settings)
    gpu = dict(cpu, command="python -m ff_tutorial train --preset fast --device cuda", machine="a GPU",
               train_seconds=20.0, test_error=0.0331, test_error_one_pass=0.03)
    (tmp_path / "gpu").mkdir()
    (tmp_path / "fast.json").write_text(json.dumps(cpu))
    (tmp_path / "gpu" / "fast.json").write_text(json.dumps(gpu))
    lines = [line for line in table.gpu_table().splitlines() if line.startswith("|")]
    cells = [c.strip() for c in lines[2].strip("|").split("|")]
    assert cells == ["fast", "a GPU", "3.31% / 3.00%", "20 s", "3.25% / -", "5.0 min", "15x"]
    assert "`python -m ff_tutorial train --preset fast --device cuda`" in lines[-1]
    (tmp_path / "gpu" / "big.json").write_text(json.dumps(dict(gpu, train_seconds=90.0)))  # a GPU-only run
    lines = [line for line in table.gpu_table().splitlines() if line.startswith("|")]
    assert [c.strip() for c in lines[3].strip("|").split("|")][:5] == ["big", "a GPU", "3.31% / 3.00%", "90 s",
                                                                     "not run"]


def recorded_runs():
    folders = [table.RESULTS, table.RESULTS / "validation", table.RESULTS / "gpu"]
    return sorted(path for folder in folders for path in folder.glob("*.json")
                  if "settings" in json.loads(path.read_text()))


@pytest.mark.parametrize("path", recorded_runs(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_each_recorded_command_still_means_the_settings_recorded_with_it(path):
    # A preset whose defaults move on would silently change what an old command reruns.
    from dataclasses import asdict

    from ff_tutorial import cli
    from ff_tutorial.recipes import Recipe

    metrics = json.loads(path.read_text())
    words = shlex.split(metrics["command"])
    if words[:3] == ["python", "-m", "experiments.seeds"]:  # made from recorded runs, each checked here itself
        sources = [table.RESULTS.parent / run["file"] for run in metrics["runs"]]
        assert set(sources) <= set(recorded_runs())
        assert metrics["settings"] == json.loads(sources[0].read_text())["settings"]
        return
    assert words[:3] == ["python", "-m", "ff_tutorial"], metrics["command"]
    args = cli.build_parser().parse_args(words[3:])
    now = json.loads(json.dumps(asdict(cli.settings_from(args))))  # tuples as JSON lists, as recorded
    defaults = json.loads(json.dumps(asdict(Recipe())))
    # A setting added after the run was recorded must still have the default that meant "as before".
    expected = {name: metrics["settings"].get(name, defaults[name]) for name in now}
    assert now == expected


def test_networks_measured_together_get_a_row_with_each_alone_and_their_training_times_added(tmp_path,
                                                                                          monkeypatch):
    monkeypatch.setattr(table, "RESULTS", tmp_path)
    assert table.ensemble_table(tmp_path / "ensembles", "test") == ""  # nothing measured together yet
    settings = dict(dims=[784, 500], schedule="simultaneous", epochs=5, batch_size=50, train_size=60000,
                    negatives="wrong", loss="symba", readout_epochs=0)
    for name, seconds in [("a", 600.0), ("b", 900.0)]:
        (tmp_path / f"{name}.json").write_text(json.dumps(dict(
            command=f"python -m ff_tutorial train --save models/{name}.pt", machine="a CPU",
            train_seconds=seconds, test_error=0.02, settings=settings)))
    (tmp_path / "ensembles").mkdir()
    together = dict(command="python -m ff_tutorial evaluate models/a.pt ../models/b.pt", test_error=0.0125,
                    test_error_one_pass=0.013,
                    members=[dict(model="models/a.pt", test_error=0.02, test_error_one_pass=0.021),
                             dict(model="../models/b.pt", test_error=0.019)])
    (tmp_path / "ensembles" / "pair.json").write_text(json.dumps(together))
    lines = [line for line in table.table().splitlines() if line.startswith("| pair")]
    cells = [c.strip() for c in lines[0].strip("|").split("|")]
    assert cells == ["pair", "1.25%", "1.30%", "a: 2.00% / 2.10%; b: 1.90% / -", "25.0 min",
                     "`python -m ff_tutorial evaluate models/a.pt ../models/b.pt`"]
    (tmp_path / "b.json").unlink()  # a member whose training was not recorded has no time to add
    assert "| not recorded |" in table.table()


def measured_together():
    folders = [table.RESULTS / "ensembles", table.RESULTS / "validation" / "ensembles"]
    return sorted(path for folder in folders for path in folder.glob("*.json"))


@pytest.mark.parametrize("path", measured_together(), ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_each_recorded_ensemble_names_the_saved_networks_it_measured(path):
    import hashlib

    from ff_tutorial import cli
    from ff_tutorial.saved import SAVED

    metrics = json.loads(path.read_text())
    words = shlex.split(metrics["command"])
    args = cli.build_parser().parse_args(words[3:])
    assert args.command == "evaluate" and args.models == [m["model"] for m in metrics["members"]]
    assert args.validation == (path.parent.parent.name == "validation")
    for member in metrics["members"]:
        saved = table.ROOT / member["model"]
        trained = table.member_metrics(member["model"], table.RESULTS)
        assert trained is not None and trained["settings"]["dims"] == member["config"]["dims"]
        if saved.is_file():  # validation networks stay on the machine that trained them
            # the file measured, or the same network stored since in 16 bits, on purpose and recorded so
            # (tests/test_saved.py re-measures the pair from the 16-bit files)
            rounded = member["model"] in SAVED and f"--half {member['model']}" in SAVED[member["model"]].command
            assert rounded or hashlib.sha256(saved.read_bytes()).hexdigest() == member["sha256"], member["model"]


def test_the_looks_table_quotes_an_error_only_from_a_file_that_holds_it(tmp_path):
    kept = tmp_path / "kept.json"
    kept.write_text(json.dumps(dict(test_error=0.0181, test_error_one_pass=0.0172)))
    curve = tmp_path / "curve.json"  # a benchmark: a test curve deep inside, its last point the final error
    curve.write_text(json.dumps(dict(sections=dict(tta=dict(fast=dict(test_error=[0.07, 0.0243, 0.0216]))))))
    copy = tmp_path / "earlier-curve.json"
    copy.write_text(json.dumps(dict(sections=dict(tta=dict(fast=dict(test_error=[0.06, 0.0243]))))))
    copies = {("abc1234", str(curve)): copy}  # what results/earlier/README.md lists
    look = lambda **fields: dict(number=1, run="r", track=None, kind="final", **fields)
    assert table.look_file(look(test_error=0.0181, test_error_one_pass=0.0172,
                                recovered_from=dict(commit="x", file=str(kept))), {}) == kept
    # one error of the two not in the file: the file is another run's
    assert table.look_file(look(test_error=0.0181, test_error_one_pass=0.0171,
                                recovered_from=dict(commit="x", file=str(kept))), {}) is None
    # the ledger says no file was ever committed
    assert table.look_file(look(test_error_one_pass=0.0424, recovered_from=dict(commit="x", file=None)), {}) is None
    # a file a later run wrote over: 2.43% is only a point on the way, not its final error; the copy holds it
    overwritten = look(test_error=0.0243, recovered_from=dict(commit="abc1234", file=str(curve)))
    assert table.look_file(overwritten, {}) is None
    assert table.look_file(overwritten, copies) == copy
    # a look the command line recorded: the file is its --metrics
    assert table.look_file(look(test_error=0.0181, command=f"python -m ff_tutorial train --metrics {kept}"), {}) == kept
    assert table.look_file(look(test_error=0.0181, command="python -m ff_tutorial train"), {}) is None
    # the recurrent network's final run: its file is its --name, and holds the mean of its seeds
    final = "python -m experiments.recurrent_small --final --seeds 0,1,2 --name final-all-images-cooldown-seeds-0-1-2"
    written = table.ROOT / "results" / "recurrent" / "final-all-images-cooldown-seeds-0-1-2.json"
    assert table.look_file(look(test_error=0.024567, command=final), {}) == written
    assert table.look_file(look(test_error=0.0255, command=final), {}) is None  # one seed's is not the look's
    # the backprop network of chapter 12's shape: its file is named from its settings, or by --path
    backprop = "python -m experiments.backprop_same_shape --keep elsewhere"
    written = table.ROOT / "results" / "backprop-local-10-2-whole-seeds-0-1-2.json"
    assert table.look_file(look(test_error=0.0072, command=backprop), {}) == written
    assert table.look_file(look(test_error=0.0072, command=backprop + " --seeds 0,1"), {}) is None
    assert table.look_file(look(test_error=0.0072, command=backprop + f" --path {kept}"), {}) is None  # not ours
    # a look that names its file: no command need be read, and the file still has to hold the errors
    assert table.look_file(look(test_error=0.0181, command="python -m anything", file=str(kept)), {}) == kept
    assert table.look_file(look(test_error=0.0182, command=f"python -m ff_tutorial train --metrics {kept}",
                                file=str(kept)), {}) is None
    # the released code's record names its readings by its own words: ten passes and its softmax
    released = tmp_path / "released.json"
    released.write_text(json.dumps(dict(test_error_ten_passes=0.0152, test_error_softmax=0.0171)))
    assert table.look_file(look(test_error_ten_passes=0.0152, test_error_softmax=0.0171, file=str(released)),
                           {}) == released
    assert table.look_file(look(test_error_ten_passes=0.0153, file=str(released)), {}) is None


def test_the_ledger_lines_without_a_file_show_no_error():
    rows = {line.split(" | ")[0].lstrip("| "): line for line in table.looks_table().splitlines()
            if line.startswith("| ") and line[2].isdigit()}
    # Looks 18 and 20: the ledger has their errors (4.24%, 2.43%) only from the book's old text.
    for number in ("18", "20"):
        assert "not kept" in rows[number] and "%" not in rows[number].split(" | ")[5], rows[number]
    # Look 3's benchmark file was written over by look 6's; its copy from that commit holds 2.43%.
    assert "2.43%" in rows["3"] and "`results/earlier/benchmark-cpu-first-run.json`" in rows["3"]
    first = json.loads((table.EARLIER / "benchmark-cpu-first-run.json").read_text())
    assert first["sections"]["time_to_accuracy"]["fast"]["test_error"][-1] == pytest.approx(0.0243, abs=1e-6)
    for number, line in rows.items():  # every quoted error names its file, which exists
        cells = line.split(" | ")
        if "%" in cells[5]:
            assert (table.ROOT / cells[6].strip(" |`")).is_file(), line


def test_the_recurrent_networks_seeds_make_one_row_with_their_mean_and_spread(tmp_path):
    """Runs made a seed at a time (NAME-seed-N.json) are one row: the mean ± sample standard deviation
    of the read-out's error and of step 1's; runs of two recipes under one name are refused."""
    def run(seed, error, step1, epochs=20):
        return dict(command=f"python -m experiments.recurrent_small --seed {seed}", machine="a CPU", torch="2",
                    config={"hidden": [500, 500], "score_iterations": [3, 4, 5]}, train_size=50000,
                    validation_size=10000, epochs=epochs, batch_size=100, negatives="hard", cooldown=True,
                    seed=seed, validation_error=[0.5, error], step_error=[0.9, step1, 0.1],
                    window_error={"3-5": error}, seconds=60.0 * (seed + 1), train_seconds=50.0, interrupted=False)
    for seed, error, step1 in [(0, 0.0189, 0.0211), (1, 0.0204, 0.0220), (2, 0.0200, 0.0220)]:
        (tmp_path / f"long-seed-{seed}.json").write_text(json.dumps(run(seed, error, step1)))
    (tmp_path / "single-seed-0.json").write_text(json.dumps(run(0, 0.03, 0.03)))  # one seed: no set
    (tmp_path / "symba-loss.json").write_text(json.dumps(run(0, 0.09, 0.07)))  # not a seed's run
    text = table.recurrent_table(tmp_path)
    rows = [line for line in text.splitlines() if line.startswith("| long")]
    # mean 1.9767%; deviations -0.0867, 0.0633, 0.0233 points: variance 0.012067 / 2, sd 0.0777
    assert rows == ["| long-seed-0,1,2 | 1.98% ± 0.08 (3 seeds) | 3-5 | 2.17% ± 0.05 (3 seeds) | 500-500 | 20 | yes "
                    "| 50,000 / 10,000 | 2.0 min | a CPU |"]
    assert "| single" not in text and "| symba" not in text
    # a seed run after the network gained its weight decay and dropout, both at their defaults: the same recipe
    later = run(3, 0.02, 0.02)
    later["config"].update(weight_decay=0.0, dropout=0.0)
    (tmp_path / "long-seed-3.json").write_text(json.dumps(later))
    assert "| long-seed-0,1,2,3 | " in table.recurrent_table(tmp_path)
    later["config"]["dropout"] = 0.2
    (tmp_path / "long-seed-3.json").write_text(json.dumps(later))
    with pytest.raises(ValueError, match="long-seed-\\* are not one recipe: they differ in config"):
        table.recurrent_table(tmp_path)
    (tmp_path / "long-seed-3.json").write_text(json.dumps(run(3, 0.02, 0.02, epochs=10)))
    with pytest.raises(ValueError, match="long-seed-\\* are not one recipe: they differ in epochs"):
        table.recurrent_table(tmp_path)
    assert table.recurrent_table(tmp_path / "none") == ""
