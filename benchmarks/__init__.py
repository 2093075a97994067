"""Benchmarks: how fast ff_tutorial trains and predicts, against the blog's code and the machine's limit.

Run `python -m benchmarks` from the repository root (`--quick` for a seconds-long smoke run,
`--help` for the options). Each section is one module:

- `side_by_side`: the blog's 2x500 network on 50,000 images, our `train_greedy` against the
  blog's code (`blog_baseline`), timed alternately;
- `flops`: the FLOPs those runs need, the FLOP/s they achieve, and the machine's own peak for
  matrix products of the same shapes;
- `time_to_accuracy`: wall time to reach 7.09%, 3%, 2% and 1.5% error;
- `prediction`: images per second and peak memory of the three ways to predict;
- `growth`: time and memory as the data, the width and the depth grow;
- `gpu`: on CUDA only, TF32, bf16 and larger batches;
- `engine`: the training engine's choices (eager or captured steps, one seed or several at
  once, precision) and the accurate preset's step against the peak;
- `recurrent`: chapter 13's recurrent network, its readable step against its engine.

`run` runs the sections; `report` turns the JSON into a markdown table and plots; `machine`,
`presets` and `worker` are the shared plumbing (machine facts and timing, the presets as the
benchmarks train them, measurements in a fresh process).

`gpu_session` makes every GPU measurement of the engine in one command.

Every error a benchmark measures is a validation error (`MNIST.validation_split()`: trained on
the first 50,000 training images, measured on the last 10,000), written as `validation_error`:
the test set is kept for each recipe's one final run. Result files written before this have
`test_error` in its place, and `report` reads either.

The searches on the validation split, the runs behind the book's results and the results table
are not benchmarks: they are in experiments/.
"""
