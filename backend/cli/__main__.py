"""`python -m backend.cli ...` runs the `vxi` command."""

import sys

from backend.cli import main

sys.exit(main())
