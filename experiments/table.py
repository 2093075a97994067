"""The book's table of results (book/results.md), written from the metrics files of the runs.

Every row is a JSON file written by `python -m ff_tutorial train ... --metrics FILE`: its error,
its settings, its time, the machine and the command that made it; networks measured together are
files written by `python -m ff_tutorial evaluate ... --metrics FILE`; the recurrent network's runs on
the validation split, made a seed at a time, are one row a set of seeds. `python -m experiments.table`
rewrites results/table.md and results/validation-table.md; a test checks they are up to date.

The table of test errors is split by track, as the ledger tags its looks (`ff_tutorial.ledger.track_of`):
permutation-invariant runs, runs that used an image prior (shifted training images), and networks
answering together, which are never a track's headline. Beside each track stand the published
numbers of the same track, from results/anchors.json.
"""

from __future__ import annotations

import json
import re
import shlex
import sys
from pathlib import Path

from experiments import backprop_same_shape
from ff_tutorial.ledger import looks, track_of

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "results"
ANCHORS = RESULTS / "anchors.json"  # the published numbers the book compares with
EARLIER = RESULTS / "earlier"  # metrics files that later runs wrote over, kept byte for byte
# Ten passes, then one pass; the released code's record (`python -m experiments.released_code --final`)
# names them by its own words, ten passes and its softmax (a one-pass read-out trained with the layers).
ERROR_KEYS = ("test_error", "test_error_one_pass", "test_error_ten_passes", "test_error_softmax",
              "test_error_every_layer_softmax")
# Where a file of several seeds keeps the mean the ledger quotes, beside a list of one error per seed
# (`python -m experiments.recurrent_small --final`).
MEAN_KEYS = ("test_error_mean",)
# The runs of the book, in the order the book meets them; validation runs have their own table.
RUNS = ["seed", "fast", "accurate", "accurate-seeds-0-1-2", "accurate-60000-seeds-0-1-2", "accurate-2000-60000-seeds-0-1-2", "unsupervised-pi-seeds-0-1-2", "scaled", "scaled-seed-1",
        "scaled-seed-2", "scaled-seeds-0-1-2", "local-10-2-seeds-0-1-2", "local-10-2-whole-seeds-0-1-2", "local-10-2-alpha-30-whole-seeds-0-1-2", "local-10-2-jitter-2-alpha-30-200-epochs-whole-seeds-0-1",
        "local-10-2-jitter-2-alpha-30-200-epochs-whole-seed-2", "local-10-2-jitter-2-alpha-30-200-epochs-whole-seeds-0-1-2",
        "local-10-2-seed-1-saved", "unsupervised", "unsupervised-seed-1",
        "unsupervised-seed-2", "unsupervised-seeds-0-1-2", "unsupervised-local-10-2-seeds-0-1-2",
        "unsupervised-local-10-2-readout-jitter-1-seeds-0-1-2"]


def percent(value) -> str:
    return "" if value is None else f"{100 * value:.2f}%"


def error(m: dict, key: str) -> str:
    """An error, or the mean ± standard deviation of a run of several seeds (`train --seeds`)."""
    if m.get(f"{key}_std") is None or len(m.get("seeds", [])) < 2:  # one seed has no spread to show
        return percent(m.get(key))
    return f"{percent(m[key])} ± {100 * m[f'{key}_std']:.2f} ({len(m['seeds'])} seeds)"


def describe(settings: dict) -> str:
    schedule = "greedy" if settings["schedule"] == "greedy" else "all layers at once"
    batch = "full batch" if not settings["batch_size"] else f"batches of {settings['batch_size']}"
    text = f"{schedule}, {batch}, {settings['negatives']} negatives, {settings['loss']} loss"
    if settings.get("peer_norm"):
        text += f", peer normalization {settings['peer_norm']:g}"
    if settings.get("weight_decay"):
        text += f", weight decay {settings['weight_decay']:g}"
    if settings.get("jitter"):
        text += f", images shifted by up to {settings['jitter']} pixel{'s' if settings['jitter'] > 1 else ''}"
    if settings.get("pixel_dropout"):
        text += f", {settings['pixel_dropout']:.0%} of pixels blanked"
    for layer, (field, stride) in enumerate(settings.get("receptive_fields") or (), start=1):
        text += f", layer {layer} local ({field} x {field} patches, {stride} apart)"
    if settings.get("readout_jitter"):
        pixels = settings["readout_jitter"]
        text += f", read-out on images shifted by up to {pixels} pixel{'s' if pixels > 1 else ''}"
    return text


def minutes(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.1f} min"


LEVELS = (0.0709, 0.02)  # the blog's test error, and the CPU preset's target


def reached(m: dict) -> str:
    """Training time until the error first reached each level, from the run's curve (--eval-every)."""
    curve = m.get("curve")
    if not curve:
        return ""
    times = []
    for level in LEVELS:
        t = next((s for s, e in zip(curve["train_seconds"], curve["error"]) if e <= level), None)
        times.append("not reached" if t is None else minutes(t))
    return " / ".join(times)


def interrupted_at(m: dict) -> str:
    """How far a run stopped before its end got: the numbers in its row are for its networks as they stood."""
    text = f"interrupted after {m['epochs_completed']} of {m['epochs_planned']} epochs"
    done = m.get("readout_epochs_completed")
    if done is not None:
        done = min(done) if isinstance(done, list) else done
        text += f", {done} of {m['readout_epochs_planned']} read-out" if done else ", no read-out"
    return text


def row(name: str, m: dict, held_out: str) -> str:
    """The run's numbers: errors, budget, sizes and times."""
    s = m["settings"]
    epochs = f"{s['epochs']} per layer" if s["schedule"] == "greedy" else f"{s['epochs']}"
    if s.get("readout_epochs"):
        epochs += f" + {s['readout_epochs']} read-out"
    if m.get("interrupted"):
        epochs = interrupted_at(m)
    if m.get("resumed_at_epochs"):  # stopped and resumed (`train --resume`): the same run, in sittings
        epochs += f", resumed after epoch {', '.join(str(e) for e in m['resumed_at_epochs'])}"
    sizes = "-".join(str(d) for d in s["dims"])
    train = "train_error" if "train_error" in m else "train_error_one_pass"
    return (f"| {name} | {error(m, f'{held_out}_error')} | {error(m, f'{held_out}_error_one_pass')} "
            f"| {error(m, train)} | {epochs} | {sizes} "
            f"| {s['train_size']:,} | {minutes(m['train_seconds'])} | {reached(m)} |")


def how_row(name: str, m: dict) -> str:
    """How the run was made: its recipe, the machine, and the command that repeats it."""
    return f"| {name} | {describe(m['settings'])} | {m['machine']} | `{m['command']}` |"


HEADER = ("| run | {h} error (ten passes) | {h} error (one pass, read-out) | train error | epochs | sizes "
          "| training images | training time | time to 7.09% / 2% |\n"
          "|---|---:|---:|---:|---|---|---:|---:|---:|")
HOW_HEADER = "| run | recipe | machine | command |\n|---|---|---|---|"


def tables(runs: list, held_out: str) -> str:
    """The numbers of each run, then how each was made: two narrow tables read better than one wide one."""
    numbers = [HEADER.format(h=held_out)] + [row(name, m, held_out) for name, m in runs]
    how = [HOW_HEADER] + [how_row(name, m) for name, m in runs]
    return "\n".join(numbers) + "\n\nHow each run was made:\n\n" + "\n".join(how) + "\n"


def member_metrics(model: str, results: Path) -> dict | None:
    """The metrics file of a saved network: models/NAME.pt was written with results/NAME.json
    (models/validation/NAME.pt with results/validation/NAME.json)."""
    parts = Path(model).parts
    if "models" not in parts:
        return None
    last = max(i for i, part in enumerate(parts) if part == "models")  # ../models/x.pt from notebooks/ too
    path = results.joinpath(*parts[last + 1:]).with_suffix(".json")
    return json.loads(path.read_text()) if path.is_file() else None


ENSEMBLE_HEADER = ("| networks together | {h} error (ten passes) | {h} error (one pass, read-out) | each network "
                   "alone (ten / one pass) | training time, all networks | command |\n"
                   "|---|---:|---:|---|---:|---|")


def ensemble_table(folder: Path, held_out: str) -> str:
    """Saved networks measured together by `python -m ff_tutorial evaluate` (empty if there are none)."""
    rows = [ENSEMBLE_HEADER.format(h=held_out)]
    for path in sorted(folder.glob("*.json")):
        m = json.loads(path.read_text())
        alone = "; ".join(f"{Path(n['model']).stem}: " + " / ".join(
            percent(n.get(key)) or "-" for key in (f"{held_out}_error", f"{held_out}_error_one_pass"))
            for n in m["members"])
        trained = [member_metrics(n["model"], RESULTS) for n in m["members"]]
        time = minutes(sum(t["train_seconds"] for t in trained)) if all(trained) else "not recorded"
        rows.append(f"| {path.stem} | {percent(m.get(f'{held_out}_error'))} "
                    f"| {percent(m.get(f'{held_out}_error_one_pass'))} | {alone} | {time} | `{m['command']}` |")
    return "" if len(rows) == 1 else "\nSaved networks predicting together:\n\n" + "\n".join(rows) + "\n"


TRACK_TITLES = {
    "permutation-invariant": "Permutation-invariant: fully connected layers, images as they are; nothing tells "
                             "the network that neighbouring pixels are neighbours",
    "image priors": "With image priors: training images shifted by a pixel or two each epoch (jitter), and "
                    "local receptive fields (each unit of the first layer sees a patch of the image), which use "
                    "the layout of the pixels",
    "ensemble": "Ensembles: saved networks answering together, never a track's headline (the paper's numbers "
                "are each one network's)",
}


def run_track(m: dict) -> str:
    """A run's track, from its metrics: shifted training images (the layers' or the read-out's), or
    local fields, are an image prior."""
    settings = m["settings"]
    return track_of(settings.get("jitter", 0), receptive_fields=settings.get("receptive_fields", ()),
                    readout_jitter=settings.get("readout_jitter", 0))


def anchors() -> list:
    return json.loads(ANCHORS.read_text())["anchors"] if ANCHORS.is_file() else []


def anchor_table(track: str) -> str:
    """The published numbers of one track (results/anchors.json), each with its citation."""
    rows = [f"| {a['name']} {{cite}}`{a['cite']}` | {a['learning']} | {a['architecture']} "
            f"| {a['test_error_percent']:g}% |" for a in anchors() if a["track"] == track]
    if not rows:
        return "No published number of this track is compared here.\n"
    return "\n".join(["| published | learning | network | test error |", "|---|---|---|---:|"] + rows) + "\n"


def table() -> str:
    runs = [(name, json.loads((RESULTS / f"{name}.json").read_text())) for name in RUNS
            if (RESULTS / f"{name}.json").is_file()]
    parts = []
    for track in ("permutation-invariant", "image priors"):
        ours = [(name, m) for name, m in runs if run_track(m) == track]
        parts.append(f"**{TRACK_TITLES[track]}.**\n\n"
                     + (tables(ours, "test") if ours else "No run of this track yet.\n")
                     + "\nPublished, the same track:\n\n" + anchor_table(track))
    together = ensemble_table(RESULTS / "ensembles", "test")
    if together:
        parts.append(f"**{TRACK_TITLES['ensemble']}.**\n" + together)
    return "\n".join(parts)


def validation_table() -> str:
    runs = [(path.stem, json.loads(path.read_text())) for path in sorted((RESULTS / "validation").glob("*.json"))]
    return (tables(runs, "validation") + ensemble_table(RESULTS / "validation" / "ensembles", "validation")
            + recurrent_table(RESULTS / "recurrent"))


RECURRENT_HEADER = ("| runs | validation error (its read-out) | read-out steps | step 1 alone | hidden | epochs "
                    "| cool-down | training / validation images | time a seed, validations included | machine |\n"
                    "|---|---:|---|---:|---|---:|---|---:|---:|---|")
# What may differ between the seeds of one set: the seed, and what a run records about itself.
OWN = ("seed", "command", "machine", "torch", "validation_error", "step_error", "window_error", "seconds",
       "train_seconds", "interrupted", "trained_together_with_seeds")


def spread(values: list) -> str:
    """The mean ± sample standard deviation of errors, with how many seeds they are."""
    mean = sum(values) / len(values)
    std = (sum((v - mean) ** 2 for v in values) / (len(values) - 1)) ** 0.5
    return f"{percent(mean)} ± {100 * std:.2f} ({len(values)} seeds)"


# Settings the recurrent network gained after runs were made: a run whose file lacks one had it at this value.
LATER_RECURRENT_SETTINGS = {"weight_decay": 0.0, "dropout": 0.0}


def recurrent_sets(folder: Path) -> dict:
    """The recurrent network's validation runs made a seed at a time (NAME-seed-N.json), by set.
    The runs of a set must be one recipe: a ValueError names the setting where they part."""
    sets = {}
    for path in sorted(folder.glob("*-seed-*.json")):
        name, _, seed = path.stem.rpartition("-seed-")
        if seed.isdigit():
            run = json.loads(path.read_text())
            run["config"] = {**LATER_RECURRENT_SETTINGS, **run["config"]}
            sets.setdefault(name, []).append(run)
    for name, runs in sets.items():
        recipe = {k: v for k, v in runs[0].items() if k not in OWN}
        for run in runs[1:]:
            differ = sorted(k for k in set(recipe) | set(run) if k not in OWN and run.get(k) != recipe.get(k))
            if differ:
                raise ValueError(f"the runs {name}-seed-* are not one recipe: they differ in {', '.join(differ)}")
        if len({run["seed"] for run in runs}) < len(runs):
            raise ValueError(f"the runs {name}-seed-* repeat a seed")
    return {name: runs for name, runs in sets.items() if len(runs) > 1}


def recurrent_table(folder: Path) -> str:
    """Chapter 13's recurrent network, each recipe trained from several seeds on the validation
    split (`python -m experiments.recurrent_small`): the mean ± standard deviation of its read-out's
    error and of the first step's (empty if there are no such sets)."""
    rows = [RECURRENT_HEADER]
    for name, runs in sorted(recurrent_sets(folder).items()):
        first = runs[0]
        config = first["config"]
        steps = config["score_iterations"]
        seconds = sum(run["seconds"] for run in runs) / len(runs)
        machines = "; ".join(sorted({run["machine"] for run in runs}))
        rows.append(f"| {name}-seed-{','.join(str(run['seed']) for run in runs)} "
                    f"| {spread([run['validation_error'][-1] for run in runs])} "
                    f"| {steps[0]}-{steps[-1]} | {spread([run['step_error'][1] for run in runs])} "
                    f"| {'-'.join(map(str, config['hidden']))} | {first['epochs']} "
                    f"| {'yes' if first.get('cooldown') else 'no'} | {first['train_size']:,} / {first['validation_size']:,} "
                    f"| {minutes(seconds)} "
                    f"| {machines} |")
    if len(rows) == 1:
        return ""
    return ("\nThe recurrent network of chapter 13, each recipe trained from several seeds, one run a seed "
            "(`python -m experiments.recurrent_small ... --seed N --name NAME-seed-N`, or `--seeds S,S,... --name NAME`, "
            "into results/recurrent/; "
            "the validation images are the last of the training set):\n\n" + "\n".join(rows) + "\n")


GPU_HEADER = ("| run | GPU | test error (ten / one pass) | training time | on the CPU: test error | "
              "training time | GPU speed-up |\n|---|---|---:|---:|---:|---:|---:|")


def errors(m: dict) -> str:
    return " / ".join(percent(m.get(key)) or "-" for key in ("test_error", "test_error_one_pass"))


def ratio(r: float) -> str:
    return f"{r:.1f}x" if r < 10 else f"{r:.0f}x"


def gpu_table() -> str:
    """The runs made on a GPU: the recorded runs again (experiments/gpu_runs.py), beside the CPU's
    numbers, then any run made only there."""
    order = lambda path: (RUNS.index(path.stem) if path.stem in RUNS else len(RUNS), path.stem)  # the book's first
    paths = sorted((RESULTS / "gpu").glob("*.json"), key=order)
    rows, how = [GPU_HEADER], [HOW_HEADER]
    for path in paths:
        name, gpu = path.stem, json.loads(path.read_text())
        note = " (interrupted)" if gpu.get("interrupted") else ""
        cells = f"| {name}{note} | {gpu['machine']} | {errors(gpu)} | {minutes(gpu['train_seconds'])} "
        cpu_path = RESULTS / f"{name}.json"
        if cpu_path.is_file():
            cpu = json.loads(cpu_path.read_text())
            cells += (f"| {errors(cpu)} | {minutes(cpu['train_seconds'])} "
                      f"| {ratio(cpu['train_seconds'] / gpu['train_seconds'])} |")
        else:
            cells += "| not run | | |"
        rows.append(cells)
        how.append(how_row(name, gpu))
    if len(rows) == 1:
        return "No run has been made on a GPU yet: `python -m experiments.gpu_runs` repeats the recorded ones.\n"
    return "\n".join(rows) + "\n\nHow each GPU run was made:\n\n" + "\n".join(how) + "\n"


def earlier_copies() -> dict:
    """{(commit, path it was written as): its copy in results/earlier/}, from that folder's README table."""
    rows = re.findall(r"^\| `([^`]+)` \| `([^`]+)` \| `([0-9a-f]+)` \|$", (EARLIER / "README.md").read_text(), re.M)
    return {(commit, written_as): EARLIER / name for name, written_as, commit in rows}


def errors_in(value) -> list:
    """Every test error a results file records: the values under ERROR_KEYS, a curve's last point."""
    found = []
    if isinstance(value, dict):
        for key, inner in value.items():
            if key in ERROR_KEYS and isinstance(inner, list):
                inner = next((e for e in reversed(inner) if e is not None), None)
            if key in ERROR_KEYS + MEAN_KEYS and isinstance(inner, (int, float)):
                found.append(inner)
            else:
                found += errors_in(inner)
    elif isinstance(value, list):
        for inner in value:
            found += errors_in(inner)
    return found


def look_file(look: dict, copies: dict) -> Path | None:
    """The results file that holds a look's test errors, or None where none does.

    The ledger names the file a look wrote: `file` since looks record it, `recovered_from` for the
    looks recovered from git history; for the looks between, the table reads it from the command
    (its `--metrics`, the `--name` of the recurrent network's final run, the file the backprop
    script names). A later run may have written over it, so its copy in results/earlier/ comes
    first, and a file counts only if the errors the ledger quotes are in it.
    """
    quoted = [look[key] for key in ERROR_KEYS if look.get(key) is not None]
    source = look.get("recovered_from") or {}
    written = look.get("file") or source.get("file")
    if "file" not in look and "recovered_from" not in look and look.get("command"):
        words = shlex.split(look["command"])
        written = words[words.index("--metrics") + 1] if "--metrics" in words[:-1] else None
        if words[:3] == ["python", "-m", "experiments.recurrent_small"] and "--name" in words[:-1]:
            written = f"results/recurrent/{words[words.index('--name') + 1]}.json"
        if words[:3] == ["python", "-m", "experiments.backprop_same_shape"]:
            path = backprop_same_shape.results_path(backprop_same_shape.build_parser().parse_args(words[3:]))
            written = str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else None
    if not quoted or not written:
        return None
    for path in (copies.get((source.get("commit"), written)), ROOT / written):
        if path is not None and path.is_file() and path.suffix == ".json":
            kept = errors_in(json.loads(path.read_text()))
            # The ledger rounds to 6 places; an error over 10,000 images is a multiple of 0.0001.
            if all(any(abs(q - k) < 5e-6 for k in kept) for q in quoted):
                return path
    return None


def looks_table() -> str:
    """The ledger of test-set looks (results/test-looks.jsonl): how many per track and kind, then each."""
    entries = looks(RESULTS / "test-looks.jsonl")
    tally = {}
    for e in entries:
        key = (e["kind"], e["track"] or "(choosing settings)")
        tally[key] = tally.get(key, 0) + 1
    rows = ["| kind | track | looks |", "| --- | --- | --- |"]
    rows += [f"| {kind} | {track} | {n} |" for (kind, track), n in sorted(tally.items())]
    rows += ["", f"All {len(entries)} looks, oldest first (ten passes / one pass; a look made while choosing "
             "settings may have measured many networks, and names none). An error is quoted only from the "
             "results file that holds it; \"not kept\" marks a look whose errors no file in the repository "
             "holds (the ledger has them only from the text of the time). A chapter's look measured the networks "
             "a chapter shows (its output holds their errors):", "",
             "| # | date | run | track | kind | test error | file |", "| --- | --- | --- | --- | --- | --- | --- |"]
    copies = earlier_copies()
    for e in entries:
        if e["kind"] == "chapter":  # the chapter's printed output holds its errors
            both, where = "", f"`{e['command']}`"
        else:
            both = " / ".join(x for x in (percent(e.get(key)) for key in ERROR_KEYS) if x)
            if e.get("test_error_every_layer_softmax") is not None:  # without labels: two one-pass readings
                both += " (the code's softmax / one on every layer)"
            path = look_file(e, copies)
            if both and path is None:
                both = "not kept"
            where = f"`{path.relative_to(ROOT)}`" if path else ""
            stopped = json.loads(path.read_text()) if path else {}  # look_file returns only .json files
            if stopped.get("interrupted") and stopped.get("epochs_completed") is not None:
                both += f" ({interrupted_at(stopped)})"
        rows.append(f"| {e['number']} | {e['date']} | {e['run']} | {e['track'] or ''} | {e['kind']} | {both} "
                    f"| {where} |")
    return "\n".join(rows) + "\n"


def main() -> int:
    written = {"table.md": table(), "validation-table.md": validation_table(), "gpu-table.md": gpu_table(),
               "test-looks.md": looks_table()}
    for name, text in written.items():
        (RESULTS / name).write_text(text)
    print(f"wrote {', '.join(str(RESULTS / name) for name in written)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
