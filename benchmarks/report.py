"""Tables and plots from a benchmark's JSON: printed, written as markdown, drawn as PNG.

`python -m benchmarks.report results/benchmark-cpu.json` writes, beside the JSON,
benchmark-cpu.md (the tables the book's Performance page includes), error-vs-time-cpu.png and
growth-cpu.png. The benchmark itself calls `write` at the end of each run.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

MIB = 2 ** 20


# ----- formatting -----

def seconds(s) -> str:
    if s is None:
        return "-"
    if s >= 600:
        return f"{s:,.0f} s ({s / 60:,.0f} min)"
    return f"{s:.3g} s" if s < 100 else f"{s:,.0f} s"


def percent(e) -> str:
    return "-" if e is None else f"{100 * e:.2f}%"


def mib(b) -> str:
    return "-" if b is None else f"{b / MIB:,.1f}"


def plural(n, word) -> str:
    return f"{n:,} {word}" + ("" if n == 1 else "s")


def dims(d) -> str:
    return "-".join(str(v) for v in d)


def held_out(record: dict, suffix: str = "") -> tuple:
    """(error, where it was measured) of a measurement: 'validation' as the benchmarks measure now,
    'test' in the files recorded before they kept the test set for final runs."""
    for where in ("validation", "test"):
        if f"{where}_error{suffix}" in record:
            return record[f"{where}_error{suffix}"], where
    raise KeyError(f"no validation_error{suffix} or test_error{suffix} in {sorted(record)}")


def suffix(result: dict) -> str:
    """'cpu', 'cuda-nvidia-h100-...'; '-quick' added for quick runs so they never replace a full one."""
    return result["machine"]["kind"] + ("-quick" if result["quick"] else "")


# ----- one table per section: (title, headers, rows, notes) -----

def side_by_side_table(s):
    title = (f"Same work, side by side: {dims(s['dims'])} on {s['images']:,} images, full batch, "
             f"{plural(s['epochs_per_layer'], 'epoch')} per layer")
    headers = ["code", "s per layer-epoch (median)", "each run (s)", "last loss per layer"]
    rows = [[who, seconds(s[f"{key}_seconds_per_epoch"]), ", ".join(f"{t:.2f}" for t in s[f"{key}_seconds"]),
             ", ".join(f"{v:.4f}" for v in s[f"{key}_last_loss_per_layer"])]
            for who, key in (("blog's code", "blog"), ("ours: train_greedy", "ours"))]
    notes = [f"**Ratio blog / ours: {s['ratio_blog_over_ours']:.2f}x** (median of {plural(s['repeats'], 'run')} each, "
             f"{s['order']}; a run is {s['layer_epochs']} layer-epochs, set-up included).",
             "The set-up (labels, the inputs of each layer, the blog's extra forward pass after each layer) "
             "is spread over these few epochs, not over 1000 as in a full run, so both per-epoch times are "
             "a little above a full run's."]
    return title, headers, rows, notes


def flops_table(f):
    title = "Against the limit: FLOP/s of those runs, and the machine's peak for the same matrix products"
    headers = ["", "GFLOP per layer-epoch", "s per layer-epoch", "GFLOP/s", "share of peak"]
    g = f["flops_per_epoch"] / 1e9
    rows = [["the matrix products alone (peak)", f"{g:,.1f}", seconds(f["limit_seconds_per_epoch"]),
             f"{f['peak_flops_per_second'] / 1e9:,.1f}", "100%"]]
    for who, key in (("blog's code", "blog"), ("ours: train_greedy", "ours")):
        achieved = f[f"{key}_flops_per_second"]
        rows.append([who, f"{g:,.1f}", seconds(f["flops_per_epoch"] / achieved), f"{achieved / 1e9:,.1f}",
                     f"{100 * f[f'{key}_share_of_peak']:.0f}%"])
    notes = [f["formula"], f"The peak is the best of {plural(f['repeats'], 'timing')} of each product "
             f"(torch.addmm forward, torch.mm weight gradient) at these shapes, in this run."]
    return title, headers, rows, notes


def _reached(value, epochs_note):
    return seconds(value) if value is not None else f"not reached {epochs_note}"


def time_to_accuracy_table(t):
    targets = [str(v) for v in t["targets"]]
    fast = t["fast"]
    curve, where = held_out(fast)
    title = f"Time to accuracy: seconds until the {where} error first reaches each level"
    headers = ["run", *(percent(float(v)) for v in targets), f"final {where} error", "how"]
    note = f"in {plural(fast['max_epochs'], 'epoch')}"
    final = curve[-1] if curve else None
    how = (f"{fast['description']}, {dims(fast['dims'])}, {fast['images']:,} images, evaluated on "
           f"{fast[f'{where}_images']:,} {where} images after every epoch")
    rows = [["fast preset: training time", *(_reached(fast["reached"][v]["train_seconds"], note) for v in targets),
             percent(final), how + "; evaluation time left out"],
            ["fast preset: wall time", *(_reached(fast["reached"][v]["wall_seconds"], note) for v in targets),
             percent(final), f"the same run, with its evaluations (training and {where} error) counted"]]
    seed = t.get("seed")
    if seed:
        match = "" if seed["settings_are_the_preset"] else " (settings differ from the preset)"
        rows.append(["seed preset: measured", *(_reached(seed["reached"][v], "(final error)") for v in targets),
                     # The seed run's error is the test error its own metrics file recorded.
                     percent(seed["test_error"]) + ("" if where == "test" else " (test error)"),
                     f"{seed['source']}{match}, device {seed['device']}; evaluated only at the end"])
    blog = t.get("blog")
    if blog:
        rows.append(["blog's code: estimated", *(_reached(blog["reached"][v], "(reported error)") for v in targets),
                     percent(blog["reported_test_error"]) + " (reported)",
                     f"{blog['method']}: {seconds(blog['seconds_per_epoch'])} x {blog['layer_epochs']:,} "
                     f"layer-epochs (on {blog['measured_on_images']:,} images); error as the blog reports it"])
    notes = [f"The fast preset itself trains {fast['preset_epochs']} epochs; here it is trained up to "
             f"{fast['max_epochs']} with its other settings unchanged"
             + (" (no learning-rate cooldown, so its first epochs are exactly the preset's)."
                if not fast["cooldown"] else " (its cooldown then spans the longer run).")]
    if blog:
        notes.append(f"Our train_greedy with the blog's settings, estimated the same way: "
                     f"{seconds(blog['ours_seed_estimated_seconds'])}.")
    if not seed:
        notes.append("No results/seed.json: run `python -m ff_tutorial train --preset seed --metrics "
                     "results/seed.json` to add the seed preset's measured run.")
    return title, headers, rows, notes


def prediction_table(p):
    n = p["rows"][0]["images"]
    title = f"Prediction: {n:,} test images, {dims(p['dims'])}"
    headers = ["method", "images/s", f"s for {n:,}", "peak memory (MiB)", "speed vs blog"]
    rows = [[r["description"], f"{r['images_per_second']:,.0f}", seconds(r["images"] / r["images_per_second"]),
             mib(r["peak_bytes"]), f"{r['speed_over_blog']:.2f}x"] for r in p["rows"]]
    notes = [f"Median of {plural(p['repeats'], 'run')} after a warm-up. Peak memory: {p['rows'][0]['memory_method']}, "
             + ("each method in a fresh process." if p["isolated"] else
                "all methods in one process (quick mode: later peaks may be understated).")]
    return title, headers, rows, notes


def growth_table(g):
    title = f"Growth: training time per epoch and peak memory ({plural(g['epochs'], 'epoch')} per run)"
    headers = ["preset", "varies", "images", "layers", "s per epoch", "peak memory (MiB)"]
    rows = [[p["preset"], f"{p['axis']} = {p['value']:,}", f"{p['images']:,}", dims(p["dims"]),
             seconds(p["seconds_per_epoch"]), mib(p["peak_bytes"])] for p in g["points"]]
    notes = [f"{name}: {text}." for name, text in g["schedules"].items()]
    notes.append("An epoch is every layer once over all the images. Peak memory is what training needed "
                 "beyond the data already loaded" + ("; each point in a fresh process." if g["isolated"] else
                                                     "; all points in one process (quick mode)."))
    return title, headers, rows, notes


def gpu_table(g):
    title = f"GPU: precision and batch size ({g['description']})"
    where = held_out(g["rows"][0])[1]
    headers = ["batch", "precision", "s per epoch", "speed-up", f"{where} error", "vs fp32", "keeps accuracy"]
    rows = [[f"{r['batch_size']:,}", r["precision"], seconds(r["seconds_per_epoch"]),
             f"{r['speed_over_preset_fp32']:.2f}x", percent(held_out(r)[0]),
             f"{100 * r['error_minus_fp32']:+.2f} pt", "yes" if r["keeps_accuracy"] else "no"] for r in g["rows"]]
    notes = [f"Speed-up against the preset's batch in strict float32. 'Keeps accuracy': {where} error at most "
             f"{100 * g['tolerance']:.1f} points above strict float32 at the same batch size."]
    return title, headers, rows, notes


def engine_table(e):
    title = f"The training engine: eager or captured, one seed or {e['many_seeds']} at once, precision"
    where = held_out(e["rows"][0])[1]
    headers = ["precision", "seeds", "step", "images x epochs", "s", "s per network", "speed per network",
               f"{where} error"]
    rows = [[r["precision"], str(r["seeds"]), "captured" if r["captured"] else "eager",
             f"{r['images']:,} x {r['epochs']}", seconds(r["seconds"]), seconds(r["seconds_per_network"]),
             f"{r['speed_per_network']:.2f}x",
             percent(held_out(r)[0]) + (f" ± {100 * held_out(r, '_std')[0]:.2f}" if r["seeds"] > 1 else "")]
            for r in e["rows"]]
    # a step's precision is named where it is not float32 (files written before it was recorded are)
    rows += [[f"accurate step ({dims(s['dims'])}, batch {s['batch_size']}"
              + (f", {s['precision']})" if s.get("precision", "fp32") != "fp32" else ")"), "1",
              "captured" if s["captured"] else "eager", "", f"{1e3 * s['step_seconds']:.2f} ms", "",
              f"{s['flops_per_second'] / 1e9:,.0f} GFLOP/s",
              f"{100 * s['share_of_peak']:.0f}% of peak ({s['peak_flops_per_second'] / 1e9:,.0f} GFLOP/s)"]
             for s in e["steps"]]
    notes = ["The fast preset's recipe, from the same seeds: 'speed per network' is the first row's time "
             "per network over this row's. Several seeds train at once as stacked weights, each from the "
             "start its seed gives alone (stacked products round differently, so not bit for bit the "
             f"lone run); their {where} error is the mean ± standard deviation.",
             "The accurate rows time one training step of every layer and set its matrix products' FLOPs "
             "against the best time of the same products measured here (the peak)."]
    if any(s.get("precision", "fp32") != "fp32" for s in e["steps"]):
        notes.append("The peak is that of float32 products, for the bfloat16 step too: the step's time is set "
                     "against what float32 allows, so a share above 100% would be bfloat16's gain.")
    return title, headers, rows, notes


def recurrent_table(r):
    title = "The recurrent network (chapter 13): the step written to be read against the engine"
    headers = ["hidden", "seeds", "taken by", "precision", "step", "scoring an image", "epoch", "speed per network"]
    how = {"former": "train_step, scores", "engine": "the engine, eager", "captured": "the engine, captured"}
    rows = [[f"2 x {x['width']:,}", str(x["seeds"]), how[x["how"]], x["precision"], f"{1e3 * x['step_seconds']:.1f} ms",
             f"{1e6 * x['score_seconds_per_image']:.0f} µs", seconds(x["epoch_seconds"]),
             f"{x['speed_per_network']:.2f}x"] for x in r["rows"]]
    notes = [f"A step: {r['batch_size']} images with their labels and with wrong ones, 8 iterations, the update "
             f"(the best of the timed runs). Scoring: each image with each label, to the last scoring iteration. "
             f"An epoch, put together from them: {r['epoch_images'] // r['batch_size']} steps, scoring the "
             f"{r['epoch_images']:,} training images (the hard negatives) and the {r['held_out_images']:,} "
             f"held-out ones (the error after each epoch). 'Speed per network': the first row of the width's "
             f"time per network over this row's."]
    return title, headers, rows, notes


TABLES = {"side_by_side": side_by_side_table, "flops": flops_table, "time_to_accuracy": time_to_accuracy_table,
          "prediction": prediction_table, "growth": growth_table, "gpu": gpu_table, "engine": engine_table,
          "recurrent": recurrent_table}


def machine_line(result: dict) -> str:
    m = result["machine"]
    where = f"{m['cpu']} ({m['cores']} cores usable, torch {m['torch']} with {m['torch_threads']} threads)"
    if m.get("gpu"):
        where = f"{m['gpu']} (CUDA {m['cuda']}), host CPU {where}"
    line = f"Measured on {where}, {m['date']}, with `{m['command']}`."
    if m.get("load_average_at_start") is not None:
        line += f" Load average at the start: {', '.join(str(v) for v in m['load_average_at_start'])}."
    return line


# ----- text and markdown -----

def text_table(title, headers, rows, notes) -> str:
    widths = [max(len(str(c)) for c in col) for col in zip(headers, *rows)]
    line = lambda cells: "  ".join(str(c).ljust(w) for c, w in zip(cells, widths)).rstrip()
    out = [title, line(headers), line("-" * w for w in widths), *(line(r) for r in rows)]
    return "\n".join(out + [n.replace("**", "") for n in notes])


def markdown_table(title, headers, rows, notes) -> str:
    esc = lambda c: str(c).replace("|", "\\|")
    out = [f"### {title}", "", "| " + " | ".join(map(esc, headers)) + " |",
           "|" + "|".join(" --- " for _ in headers) + "|"]
    out += ["| " + " | ".join(map(esc, r)) + " |" for r in rows]
    return "\n".join(out + [""] + [n + "\n" for n in notes])


def print_section(name: str, data: dict) -> None:
    print("\n" + text_table(*TABLES[name](data)) + "\n", flush=True)


def markdown(result: dict) -> str:
    parts = [machine_line(result) + "\n"]
    if result["quick"]:
        parts.append("**Quick mode**: tiny sizes to check that the benchmarks run; these numbers say "
                     "nothing about speed.\n")
    parts += [markdown_table(*TABLES[name](data)) for name, data in result["sections"].items()]
    return "\n".join(parts)


# ----- plots -----

def error_vs_time_figure(t: dict, machine: str) -> Figure:
    fig = Figure(figsize=(7, 4.2), layout="constrained")
    ax = fig.subplots()
    fast = t["fast"]
    curve, where = held_out(fast)
    pts = [(s, e) for s, e in zip(fast["train_seconds"], curve) if e is not None]
    if pts:
        s, e = zip(*pts)
        ax.plot(s, [100 * v for v in e], "o-", label=f"fast preset ({fast['images']:,} images), {where} error")
    if t.get("seed"):
        ax.plot([t["seed"]["train_seconds"]], [100 * t["seed"]["test_error"]], "s", markersize=8,
                label="seed preset, test error (end of run)")
    if t.get("blog"):
        ax.plot([t["blog"]["seconds"]], [100 * t["blog"]["reported_test_error"]], "D", markersize=8,
                markerfacecolor="none", label="blog's code: time estimated, error as reported")
    for target in t["targets"]:
        ax.axhline(100 * target, color="grey", linestyle=":", linewidth=1)
        ax.annotate(percent(target), (1, 100 * target), xycoords=("axes fraction", "data"), xytext=(3, 0),
                    textcoords="offset points", va="center", fontsize=8, color="grey")
    ax.set(xscale="log", yscale="log", xlabel="training time (s, log scale)", ylabel="error (%, log scale)",
           title=f"Error against training time\n{machine}")
    ax.yaxis.set_major_formatter("{x:g}")
    ax.legend(fontsize=8)
    return fig


def growth_figure(g: dict, machine: str) -> Figure:
    fig = Figure(figsize=(11, 6), layout="constrained")
    axes = fig.subplots(2, 3)
    for col, axis in enumerate(("images", "width", "depth")):
        for name in g["schedules"]:
            pts = [p for p in g["points"] if p["preset"] == name and p["axis"] == axis]
            x = [p["value"] for p in pts]
            axes[0, col].plot(x, [p["seconds_per_epoch"] for p in pts], "o-", label=f"{name} preset")
            axes[1, col].plot(x, [p["peak_bytes"] / MIB for p in pts], "o-", label=f"{name} preset")
        label = {"images": "training images", "width": "units per layer", "depth": "layers"}[axis]
        axes[0, col].set(xlabel=label, ylabel="seconds per epoch")
        axes[1, col].set(xlabel=label, ylabel="peak memory (MiB)")
        for ax in axes[:, col]:
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            ax.set_ylim(bottom=0)
            ax.grid(alpha=0.3)
    axes[0, 0].legend()
    fig.suptitle(f"Training time and memory as the problem grows\n{machine}", fontsize=10)
    return fig


def short_machine(result: dict) -> str:
    m = result["machine"]
    return f"{m.get('gpu') or m['cpu']}, {m['date']}" + (" (quick mode)" if result["quick"] else "")


def paths(result: dict, out: Path, sections) -> list:
    """The files `write` will write for a run of these sections."""
    tag = suffix(result)
    names = [f"benchmark-{tag}.md"] + [f"{stem}-{tag}.png" for section, stem in
                                       (("time_to_accuracy", "error-vs-time"), ("growth", "growth"))
                                       if section in sections]
    return [Path(out) / name for name in names]


def write(result: dict, out: Path) -> list:
    """Write the markdown tables and the plots for `result` into `out`; return the paths."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    tag = suffix(result)
    written = [out / f"benchmark-{tag}.md"]
    written[0].write_text(markdown(result))
    sections = result["sections"]
    if "time_to_accuracy" in sections:
        path = out / f"error-vs-time-{tag}.png"
        error_vs_time_figure(sections["time_to_accuracy"], short_machine(result)).savefig(path, dpi=120)
        written.append(path)
    if "growth" in sections:
        path = out / f"growth-{tag}.png"
        growth_figure(sections["growth"], short_machine(result)).savefig(path, dpi=120)
        written.append(path)
    return written


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.report",
                                     description="Markdown tables and plots from a benchmark JSON.")
    parser.add_argument("json", type=Path, help="e.g. results/benchmark-cpu.json")
    parser.add_argument("--out", type=Path, help="where to write them (default: beside the JSON)")
    args = parser.parse_args(argv)
    result = json.loads(args.json.read_text())
    for path in write(result, args.out or args.json.parent):
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
