"""``python benchmarks/load``: the mixed load (``mixed.py``); ``faults.py`` runs the faults."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from mixed import main

if __name__ == "__main__":
    sys.exit(main())
