"""`python -m qa ...`: the command line lives in cli/, the one layer above all others."""
import sys

from cli.main import main

sys.exit(main())
