"""nbval compares the chapters' checked outputs as tests/stored_outputs.py says: exactly on the kind
of CPU that stored them, and with close numbers on another. The chapters run longest first."""

import nbval.plugin

from tests.stored_outputs import compare_outputs, longest_first

nbval.plugin.IPyNbCell.compare_outputs = compare_outputs


def pytest_collection_modifyitems(items):
    longest_first(items)
