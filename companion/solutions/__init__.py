"""Reference solutions of the exercises, one module per chapter (``ch07.py``, ...).

Each solution is a plain function that uses only ``np``. Its source is what
``python -m companion.exercises solve`` pastes into a notebook, and what the
book shows with ``literalinclude :pyobject:``; ``companion.exercises`` checks
student code against it.
"""
