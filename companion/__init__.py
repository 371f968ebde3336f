"""Companion package of *Recurrent Neural Networks, from equations to practice*.

The chapters import the few names they use, for example
``from companion.scratch.rnn import rnn_forward``. Nothing is imported here on
purpose: ``import companion`` stays fast and free of side effects.
"""

__version__ = "0.1.0"
