"""nbval compares the chapters' checked outputs as tests/stored_outputs.py says: exactly on the kind
of CPU that stored them, and with close numbers on another. The chapters run longest first.

The notebook tools (nbval, nbformat) are needed only to test the chapters: on a machine without
them, such as a bare GPU image with torch and pytest alone, the tests in tests/ still run."""

try:
    import nbval.plugin

    from tests.stored_outputs import compare_outputs, longest_first
except ImportError:
    nbval = None
else:
    nbval.plugin.IPyNbCell.compare_outputs = compare_outputs


def pytest_collection_modifyitems(items):
    if nbval is not None:
        longest_first(items)
