from __future__ import annotations

from hearthwatch.cli import main

raise SystemExit(main())
