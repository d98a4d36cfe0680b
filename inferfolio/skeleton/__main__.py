"""``python -m inferfolio.skeleton DIR``: see :mod:`inferfolio.skeleton`."""

from inferfolio.skeleton import main

raise SystemExit(main())
