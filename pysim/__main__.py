"""``python -m pysim``: see pysim.cli."""

import sys

from pysim.cli import main

sys.exit(main())
