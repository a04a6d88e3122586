"""`python -m python_impl TASK_FOLDER|--worker`: the same as `python -m python_impl.entry` (docs/interchange.md)."""
import sys

from .entry import main

sys.exit(main(sys.argv[1:]))
