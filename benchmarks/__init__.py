"""Benchmarks: how fast ff_tutorial trains and predicts, against the blog's code and the machine's limit.

Run `python -m benchmarks` from the repository root (`--quick` for a seconds-long smoke run,
`--help` for the options). Each section is one module:

- `side_by_side`: the blog's 2x500 network on 50,000 images, our `train_greedy` against the
  blog's code (`blog_baseline`), timed alternately;
- `flops`: the FLOPs those runs need, the FLOP/s they achieve, and the machine's own peak for
  matrix products of the same shapes;
- `time_to_accuracy`: wall time to reach 7.09%, 3%, 2% and 1.5% test error;
- `prediction`: images per second and peak memory of the three ways to predict;
- `growth`: time and memory as the data, the width and the depth grow;
- `gpu`: on CUDA only, TF32, bf16 and larger batches;
- `engine`: the training engine's choices (eager or captured steps, one seed or several at
  once, precision) and the accurate preset's step against the peak.

`run` runs the sections; `report` turns the JSON into a markdown table and plots; `machine`,
`presets` and `worker` are the shared plumbing (machine facts and timing, the presets as the
benchmarks train them, measurements in a fresh process).

Beside them, not benchmarks but the runs and searches behind the book's results:
`table` writes the results tables (results/table.md) from the metrics files; `gpu_runs` repeats
the recorded runs on a CUDA GPU; `gpu_session` makes every GPU measurement of the engine in one
command; `readout_rate`, `unsupervised_layers` and `unsupervised_readout` are searches on the
validation split.
"""
