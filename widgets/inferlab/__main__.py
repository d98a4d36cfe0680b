"""``python -m inferlab``: see :mod:`inferlab.cli`."""

from inferlab.cli import main

raise SystemExit(main())
