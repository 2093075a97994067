"""What numbers below float32's normal range cost a CPU training run, and what flushing them changes.

The symmetric loss with alpha 100 gives a pair it separates well a gradient like e^-100, and
Adam's first moments carry such gradients: as training goes on, more and more of them are
*denormal*, below 1.2e-38, and a CPU takes a slow path for each operation on one. ff_tutorial takes
them as 0 (`ff_tutorial.engine.flush_denormals`, set when it is imported).

`python -m experiments.denormals` trains the local `accurate` network of chapter 12 (one network,
the first 10,000 training images, validation error after each epoch on the validation split) twice,
each in a fresh process with this machine's threads: once with denormals kept (torch's worker
threads are started before ff_tutorial is imported, and flushing is turned off again), once as
ff_tutorial runs. It records each epoch's training time, the validation errors, the share of
denormal first moments at the end of the kept run, and whether the two runs end with the same
weights, in results/denormals-cpu.json (kept if it exists, unless --force).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

PATH = Path(__file__).resolve().parent.parent / "results" / "denormals-cpu.json"
MODES = ("kept", "flushed")


def worker(mode: str, images: int, epochs: int) -> dict:
    """One training run in this process, with denormals `mode`; what it measured."""
    import torch

    if mode == "kept":
        torch.ones(1 << 22).mul(2)  # start torch's worker threads before ff_tutorial can set their mode
    from ff_tutorial import load_mnist, seed_everything
    from ff_tutorial.ledger import fingerprint
    from ff_tutorial.recipes import PRESETS
    from ff_tutorial.schedules import Run, simultaneous

    if mode == "kept":
        torch.set_flush_denormal(False)
    tiny = torch.finfo(torch.float32).tiny
    # 1e-39 times 1 is 1e-39, kept; 0 where denormals are flushed: checked on every thread
    probe = torch.full((1 << 22,), tiny / 10).mul(1.0)
    flushed_everywhere, kept_everywhere = bool(probe.eq(0).all()), bool(probe.ne(0).all())
    if not (kept_everywhere if mode == "kept" else flushed_everywhere):
        raise RuntimeError(f"the threads did not all take the mode {mode!r}")
    recipe = PRESETS["accurate"].replace(epochs=epochs, train_size=images, jitter=1, receptive_fields=((10, 2),),
                                         readout_epochs=0)
    split = load_mnist().validation_split()  # choosing nothing, but the test set is kept for final runs
    generator = seed_everything(0)
    net = recipe.build()
    run = Run(net, generator, split.x_train[:images], split.y_train[:images], split.x_test, split.y_test,
              epochs, recipe.batch_size, recipe.cooldown, 1, recipe.precision, None, 1, False)
    history = run(lambda: simultaneous(run, recipe.negatives, recipe.jitter, recipe.pixel_dropout,
                                       recipe.batch_size))
    seconds = [round(b - a, 3) for a, b in zip([0.0] + history.train_seconds, history.train_seconds)]
    moments = [s["exp_avg"] for s in run.engine.optimizer.state.values()]
    denormal = [((m != 0) & (m.abs() < tiny)).float().mean().item() for m in moments[:len(net.layers)]]
    return dict(mode=mode, epoch_seconds=seconds, validation_error=history.test_error,
                denormal_share_of_first_moments=[round(d, 4) for d in denormal], weights=fingerprint(net),
                threads=torch.get_num_threads())


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m experiments.denormals", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", type=int, default=10_000)
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--force", action="store_true", help="replace the file if it exists")
    parser.add_argument("--path", type=Path, default=PATH, help="where the record goes (default: %(default)s)")
    parser.add_argument("--worker", choices=MODES, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args.worker, args.images, args.epochs)))
        return 0
    from ff_tutorial.outputs import OutputError

    from .files import one_file_to_make, write_record

    try:
        if not one_file_to_make(args.path, args.force):
            return 0
    except OutputError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    runs = {}
    for mode in MODES:  # each in a process of its own: a thread keeps the mode it started with
        done = subprocess.run([sys.executable, "-m", "experiments.denormals", "--worker", mode, "--images",
                               str(args.images), "--epochs", str(args.epochs)], capture_output=True, text=True,
                              cwd=Path(__file__).resolve().parent.parent)
        if done.returncode:
            print(done.stderr, file=sys.stderr)
            return 1
        runs[mode] = json.loads(done.stdout.splitlines()[-1])
        print(f"denormals {mode}: epochs took " + ", ".join(f"{s:.1f}" for s in runs[mode]["epoch_seconds"])
              + " s", flush=True)
    kept, flushed = runs["kept"], runs["flushed"]
    ratio = [round(k / f, 2) for k, f in zip(kept["epoch_seconds"], flushed["epoch_seconds"])]
    same = kept["weights"] == flushed["weights"]
    print(f"kept / flushed, per epoch: {ratio}; denormal share of the first moments at the end (kept): "
          f"{kept['denormal_share_of_first_moments']}; the same weights at the end: {same}")
    given = sys.argv[1:] if argv is None else argv
    record = {"command": " ".join(["python -m experiments.denormals", *given]),
              "recipe": "accurate, receptive fields 10:2, jitter 1, one network, no read-out",
              "images": args.images, "epochs": args.epochs, "runs": runs, "kept_over_flushed": ratio,
              "same_weights": same}
    write_record(args.path, record)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
