"""`python -m mammoflow_jobs NAME --request FILE`: run one stage under the stage contract."""

import argparse
import os
import sys
from pathlib import Path

from . import shutdown
from .logs import configure_logging
from .runner import run_stage
from .stages import STAGES


def main(argv: list[str] | None = None) -> int:
    shutdown.install()
    parser = argparse.ArgumentParser(prog="python -m mammoflow_jobs", description=__doc__)
    parser.add_argument("stage", nargs="?", help="stage name, e.g. train-fold")
    parser.add_argument("--request", type=Path, help="request JSON file")
    parser.add_argument(
        "--storage-root",
        type=Path,
        default=Path(os.environ.get("MAMMOFLOW_STORAGE_ROOT", ".")),
        help="storage root all request paths are relative to (default: $MAMMOFLOW_STORAGE_ROOT or .)",
    )
    parser.add_argument(
        "--termination-log",
        type=Path,
        default=os.environ.get("MAMMOFLOW_TERMINATION_LOG"),
        help="where to write the compact result (Kubernetes: /dev/termination-log)",
    )
    parser.add_argument("--list", action="store_true", help="list the available stages")
    args = parser.parse_args(argv)
    if args.list:
        print("\n".join(sorted(STAGES)) if STAGES else "(no Python stages registered)")
        return 0
    if not args.stage or not args.request:
        parser.error("a stage name and --request are required")
    configure_logging()
    return run_stage(STAGES, args.stage, args.request, args.storage_root, args.termination_log)


if __name__ == "__main__":
    sys.exit(main())
