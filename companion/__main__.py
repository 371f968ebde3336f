"""Instructor commands: ``python -m companion release ...`` and ``python -m companion grade ...``.

    python -m companion release --chapters 7,8 --out handout/
    python -m companion grade submissions/ --chapters 7,8 --csv grades.csv

``release`` writes the student notebooks of those chapters (outputs cleared,
check cells locked, version stamped) and a README; ``grade`` runs every
submitted exercise in a sandboxed process on fresh inputs and writes a CSV of
points and one feedback file per student, after each student, so that
``--resume`` finishes an interrupted run; it refuses to run where the sandbox
does not hold, unless given ``--unsafe-no-sandbox``. ``--help`` after either
says more.
"""

from __future__ import annotations

import argparse
import sys

from companion.course import grading, release


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    parser = argparse.ArgumentParser(prog="python -m companion", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    release.add_arguments(commands.add_parser("release", help="write the student notebooks of some chapters"))
    grading.add_arguments(commands.add_parser("grade", help="grade a folder of submitted notebooks"))
    args = parser.parse_args(argv)
    return release.run(args) if args.command == "release" else grading.run(args)


if __name__ == "__main__":
    sys.exit(main())
