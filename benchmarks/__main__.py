"""`python -m benchmarks [--quick] [--out DIR] [--device auto|cpu|cuda] [--only NAME,...]`."""

import sys

from .run import main

sys.exit(main())
