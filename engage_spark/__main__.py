"""`python -m engage_spark` (or `./scripts/spark`, or a file for spark-submit)."""
import sys

from engage_spark.cli import main

sys.exit(main())
