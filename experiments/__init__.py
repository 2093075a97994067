"""Experiments: the searches and runs behind the book's results, and the table that shows them.

Each module is run from the repository root as `python -m experiments.NAME` (`--help` for its options):

- `table`: writes the results tables (results/table.md, results/validation-table.md) from the
  metrics files of the recorded runs;
- `gpu_runs`: repeats the recorded runs on a CUDA GPU, into results/gpu/;
- `readout_rate`: the read-out's learning rate and epochs, chosen on a network's final layers;
- `unsupervised_readout`: the unsupervised preset's read-out, chosen on frozen layers;
- `unsupervised_layers`: the unsupervised layers' own settings, compared;
- `gallery`: chapter 11's gallery of small runs, one setting changed at a time, into results/gallery/;
- `recurrent_small`: a small run of the top-down recurrent network, into results/recurrent/.

`readout_rate`, `unsupervised_readout`, `unsupervised_layers`, `gallery` and `recurrent_small` measure on
the validation split: no test image is looked at. Speed measurements are in benchmarks/.
"""
