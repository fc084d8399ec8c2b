import sys

from engage_metrics.cli import main

sys.exit(main())
