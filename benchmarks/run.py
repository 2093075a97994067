"""`python -m benchmarks`: run the sections, print a table for each, write the JSON and the report."""

from __future__ import annotations

import argparse
import dataclasses
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

import torch

from ff_tutorial import load_mnist, pick_device
from ff_tutorial.outputs import OutputError, check_writable, write_atomically
from ff_tutorial.recipes import PRESETS

from . import engine, flops, growth, gpu, prediction, recurrent, report, side_by_side, time_to_accuracy
from .machine import device_kind, facts


@dataclasses.dataclass(frozen=True)
class Sizes:
    """How big each measurement is. None means the presets' own value."""

    images: int = 50_000  # side by side: the blog's full batch
    epochs: int = 5  # side by side: epochs per layer in each timed run
    repeats: int = 3  # side by side: runs of each code, alternating
    width: int | None = None  # units per layer, everywhere but the growth section's width axis
    peak_repeats: int = 3  # timings of each matrix product for the peak
    tta_images: int | None = None
    tta_validation_images: int | None = None  # None: all 10,000 of the validation split
    max_epochs: int = 20  # time to accuracy: keeps this section to minutes on a CPU
    predict_images: int | None = None  # None: all 10,000 test images
    predict_repeats: int = 3
    readout_images: int = 5_000
    growth_images: tuple = (6_250, 12_500, 25_000, 50_000)
    growth_widths: tuple = (250, 500, 1_000, 2_000)
    growth_depths: tuple = (1, 2, 3, 4)
    growth_base_images: int = 10_000
    growth_epochs: int = 2
    gpu_batch_sizes: tuple = (PRESETS["fast"].batch_size, 1_000, 10_000)
    gpu_images: int | None = None
    isolated: bool = True  # peak memory of each measurement in its own process (CPU)
    engine_images: int | None = None  # None: the fast preset's 50,000
    engine_epochs: int = 1
    engine_seeds: int | None = None  # None: 5 on a CPU, 8 on a GPU
    engine_steps: int = 200  # steps of the accurate preset timed for its share of the peak
    recurrent_widths: tuple = (500, 2_000)  # two hidden layers of each
    recurrent_seeds: int = 3
    recurrent_steps: int = 20
    recurrent_score_images: int = 1_000


FULL = Sizes()
QUICK = Sizes(images=1_000, epochs=1, repeats=2, width=32, peak_repeats=1, tta_images=1_000,
              tta_validation_images=1_000, max_epochs=2, predict_images=1_000, predict_repeats=1,
              readout_images=500, growth_images=(125, 250, 500), growth_widths=(16, 32, 64),
              growth_depths=(1, 2, 3), growth_base_images=250, growth_epochs=1,
              gpu_batch_sizes=(PRESETS["fast"].batch_size, 1_000), gpu_images=1_000, isolated=False,
              engine_images=500, engine_seeds=2, engine_steps=3, recurrent_widths=(16,), recurrent_seeds=2,
              recurrent_steps=2, recurrent_score_images=50)

SECTIONS = ("side_by_side", "flops", "time_to_accuracy", "prediction", "growth", "gpu", "engine", "recurrent")
NEEDS = {"flops": "side_by_side", "time_to_accuracy": "side_by_side"}  # they use its measurements


def cpu_seconds() -> float:
    """CPU time used so far by this process and its finished workers.

    Beside the wall time it shows whether the run had the cores to itself: on a quiet machine
    with T threads busy, CPU time approaches T times the wall time.
    """
    own, workers = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + workers.ru_utime + workers.ru_stime


def parse(argv):
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="How fast ff_tutorial trains and predicts, against the blog's code and the machine's limit.")
    parser.add_argument("--quick", action="store_true",
                        help="tiny sizes, seconds in all: checks that everything runs, measures nothing")
    parser.add_argument("--out", type=Path, default=Path("results"), help="folder for JSON, tables, plots (results/)")
    parser.add_argument("--device", default="auto", help="auto (default), cpu or cuda")
    parser.add_argument("--only", help=f"comma-separated sections: {','.join(SECTIONS)}")
    parser.add_argument("--max-epochs", type=int, help="time to accuracy: most epochs to train the fast preset "
                                                       f"(default {FULL.max_epochs}; quick {QUICK.max_epochs})")
    parser.add_argument("--seed-metrics", type=Path, default=time_to_accuracy.SEED_METRICS,
                        help="metrics JSON of a seed preset run, if any (default: results/seed.json)")
    args = parser.parse_args(argv)
    names = SECTIONS if not args.only else [n.strip() for n in args.only.split(",") if n.strip()]
    unknown = [n for n in names if n not in SECTIONS]
    if unknown:
        parser.error(f"unknown section(s) {', '.join(unknown)}; choose from {', '.join(SECTIONS)}")
    if args.max_epochs is not None and args.max_epochs < 1:
        parser.error("--max-epochs must be at least 1")
    wanted = set(names) | {NEEDS[n] for n in names if n in NEEDS}
    args.sections = [n for n in SECTIONS if n in wanted]
    return args


def main(argv=None) -> int:
    args = parse(argv)
    sizes = QUICK if args.quick else FULL
    if args.max_epochs:
        sizes = dataclasses.replace(sizes, max_epochs=args.max_epochs)
    device = pick_device(args.device)
    torch.manual_seed(0)
    machine = dict(facts(device), kind=device_kind(device))
    result = dict(machine=machine, quick=args.quick, sizes=dataclasses.asdict(sizes), sections={},
                  section_seconds={}, section_cpu_seconds={})
    out = args.out
    json_path = out / f"benchmark-{report.suffix(result)}.json"
    try:
        for path in [json_path, *report.paths(result, out, args.sections)]:  # before measuring, not after it
            check_writable(path, "benchmark results")
    except OutputError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(report.machine_line(result))
    if args.quick:
        print("Quick mode: tiny sizes, to check that everything runs. The numbers mean nothing.")
    data = load_mnist()
    # Errors are measured on the validation split (trained on the first 50,000 training images,
    # measured on the last 10,000): the test set is looked at once per recipe, by its final run.
    validation = data.validation_split()
    s = sizes
    with tempfile.TemporaryDirectory(prefix="ff-benchmarks-") as scratch:
        scratch = Path(scratch)
        sections = result["sections"]
        run = {
            "side_by_side": lambda: side_by_side.run(data, device, s.images, s.epochs, s.repeats, s.width),
            "flops": lambda: flops.run(sections["side_by_side"], device, s.peak_repeats),
            "time_to_accuracy": lambda: time_to_accuracy.run(
                validation, device, s.max_epochs, s.tta_images, s.tta_validation_images, s.width,
                side=sections.get("side_by_side"), seed_metrics=args.seed_metrics),
            "prediction": lambda: prediction.run(data, device, scratch, s.predict_images, s.width,
                                                 s.readout_images, s.predict_repeats, s.isolated),
            "growth": lambda: growth.run(data, device, scratch, s.growth_images, s.growth_widths,
                                         s.growth_depths, s.growth_base_images, s.growth_epochs,
                                         s.width, s.isolated),
            "gpu": lambda: gpu.run(validation, device, s.gpu_batch_sizes, None, s.gpu_images, s.width),
            "engine": lambda: engine.run(validation, device, s.engine_images, s.engine_epochs, s.engine_seeds,
                                         s.engine_steps, s.peak_repeats,
                                         None if s.width is None else [784, s.width, s.width, s.width]),
            "recurrent": lambda: recurrent.run(validation, device, s.recurrent_widths, s.recurrent_seeds,
                                               s.recurrent_steps, s.recurrent_score_images, s.peak_repeats),
        }
        for name in args.sections:
            if name == "gpu" and device.type != "cuda":
                print("\n== gpu: skipped (needs a CUDA device)")
                continue
            print(f"\n== {name}", flush=True)
            start, cpu = time.perf_counter(), cpu_seconds()
            sections[name] = run[name]()
            result["section_seconds"][name] = round(time.perf_counter() - start, 1)
            result["section_cpu_seconds"][name] = round(cpu_seconds() - cpu, 1)
            report.print_section(name, sections[name])
            # Written after every section, so that an interrupted run keeps what it measured.
            write_atomically(json_path, json.dumps(result, indent=1).encode())
    write_atomically(json_path, json.dumps(result, indent=1).encode())
    print(f"wrote {json_path}")
    for path in report.write(result, out):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
