"""``python -m berrys_app up``."""

import sys

from berrys_app.launcher.cli import main

if __name__ == "__main__":
    sys.exit(main())
