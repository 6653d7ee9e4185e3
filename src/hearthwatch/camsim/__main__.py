"""`python -m hearthwatch.camsim`: the `camsim` command without the rest of `hearthwatch`."""

from __future__ import annotations

import argparse

from hearthwatch.camsim.cli import add_camsim_arguments, run_camsim


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m hearthwatch.camsim")
    add_camsim_arguments(parser)
    return run_camsim(None, parser.parse_args())


if __name__ == "__main__":
    raise SystemExit(main())
