"""nbval compares the chapters' checked outputs as tests/stored_outputs.py says: exactly on the kind
of CPU that stored them, and with close numbers on another."""

import nbval.plugin

from tests.stored_outputs import compare_outputs

nbval.plugin.IPyNbCell.compare_outputs = compare_outputs
