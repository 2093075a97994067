"""Experiments: the searches and runs behind the book's results, and the table that shows them.

Each module is run from the repository root as `python -m experiments.NAME` (`--help` for its options):

- `table`: writes the results tables (results/table.md, results/validation-table.md) from the
  metrics files of the recorded runs;
- `gpu_runs`: repeats the recorded runs on a CUDA GPU, into results/gpu/;
- `gpu_validation`: the validation runs at the paper's sizes that need a GPU, in one command, into
  results/gpu-validation-DATE/;
- `seeds`: runs of one recipe made one seed at a time, written as one file with their mean ±
  standard deviation (as `python -m ff_tutorial train --seeds` writes it);
- `readout_rate`: the read-out's learning rate and epochs, chosen on a network's final layers;
- `unsupervised_readout`: the unsupervised preset's read-out, chosen on frozen layers;
- `unsupervised_layers`: the unsupervised layers' own settings, compared;
- `gallery`: chapter 11's gallery of small runs, one setting changed at a time, into results/gallery/;
- `recurrent_small`: a small run of the top-down recurrent network, into results/recurrent/ (its
  `--final` run, with `--resume DIR`, can be taken in several sittings, a seed at a time);
- `receptive_fields`: chapter 12's comparison of local receptive fields and fully connected layers,
  for FF and for backprop of the same shape, three seeds each, into results/receptive/;
- `backprop_same_shape`: the backprop network of chapter 12's full-size local FF network, at its
  budget, three seeds, one look at the test set for them all;
- `stacking_drift`: how soon a network trained among several seeds parts from the same seed
  trained alone, into results/stacking-drift.json;
- `denormals`: what numbers below float32's normal range cost a CPU training run, kept and
  flushed to zero, and whether flushing changes the weights, into results/denormals-cpu.json;
- `silent_units`: how many units of saved networks answer no training image, per layer;
- `scoring_layers`: which layers' goodness should vote in ten-pass prediction, measured on networks
  trained on the validation split's training part;
- `shifted_readout`: read-outs trained on images shifted anew each epoch, against the recipe's,
  on the frozen layers of networks trained on the validation split's training part;
- `released_code`: the recipe of Hinton's released code (ffnew.m), written again in torch, trained
  on the validation split's training part, into results/released-code/ (its `--final` run looks at
  the test set once for all its seeds; `--unsupervised` trains the same layers without labels, on
  hybrid images, read by softmaxes trained alongside; `--join` brings records of seeds run apart
  together).
- `released_recurrent`: the released code's layer recipe in the top-down recurrent network, one
  record per seed, into results/released-recurrent/.

`readout_rate`, `unsupervised_readout`, `unsupervised_layers`, `gallery`, `recurrent_small`,
`receptive_fields`, `denormals`, `scoring_layers`, `shifted_readout`, `released_code`, `released_recurrent` and
`gpu_validation` measure on the
validation split, `stacking_drift` measures weights only,
`silent_units` reads training images only and `seeds` reads recorded errors: no test image is looked at. `recurrent_small --final`, `released_code --final`
and `backprop_same_shape` look at the test set once a run and record the look in the ledger. Speed measurements are in benchmarks/. `files` is the experiments' shared rule
for their output files: one file per run, never replaced unless `--force` is given.
"""
