"""`python -m backend.cli ...` runs the `vxi` command."""

import sys

try:
    from backend.cli import main
except KeyboardInterrupt:  # Ctrl-C while the package is imported: nothing done yet
    print("vxi: interrupted while starting", file=sys.stderr)
    sys.exit(130)

sys.exit(main())
