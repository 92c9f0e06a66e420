"""``python -m routekit.cli``."""

import sys

from . import main

sys.exit(main())
