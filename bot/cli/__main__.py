"""``python -m bot.cli``: the ``punchcard`` command."""

import sys

from bot.cli import main

sys.exit(main())
