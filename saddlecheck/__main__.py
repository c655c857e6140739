"""``python -m saddlecheck COMMAND ...``: the same as the ``saddlecheck`` command."""

import sys

from saddlecheck.cli import main

if __name__ == "__main__":
    sys.exit(main())
