"""``python -m caeward``: the book's command line (:mod:`caeward.experiments.cli`)."""

import sys

from .experiments.cli import main

if __name__ == "__main__":
    sys.exit(main())
