"""`python -m backend.cli ...` runs the `vxi` command."""

import sys

try:
    from backend.cli import main
except KeyboardInterrupt:  # Ctrl-C while it starts
    print("vxi: interrupted", file=sys.stderr)
    sys.exit(130)

sys.exit(main())
