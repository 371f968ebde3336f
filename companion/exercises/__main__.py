"""Command line: ``python -m companion.exercises list`` and ``... solve NOTEBOOK... --out DIR``.

``list`` prints every exercise id with its title. ``solve`` writes copies of the
notebooks with each stub cell replaced by the reference solution, so that the
solved notebooks can be run under pytest (``--nbval-lax``) with COMPANION_STRICT=1.
"""

from __future__ import annotations

import argparse
import sys

from companion.exercises import EXERCISES
from companion.exercises.notebooks import solve_files


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    parser = argparse.ArgumentParser(prog="python -m companion.exercises", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("list", help="print every exercise id and title")
    solve = commands.add_parser("solve", help="write notebooks with the stubs replaced by the reference solutions")
    solve.add_argument("notebooks", nargs="+", help="exercise notebooks (.ipynb)")
    solve.add_argument("--out", required=True, help="directory for the solved copies")
    args = parser.parse_args(argv)

    if args.command == "list":
        width = max(len(exercise_id) for exercise_id in EXERCISES)
        for exercise_id, exercise in EXERCISES.items():
            print(f"{exercise_id:<{width}}  {exercise.title}")
        return 0
    try:
        written = solve_files(args.notebooks, args.out)
    except (FileNotFoundError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    for path in written:
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
