"""One small, consistent figure style for the whole book.

Every chapter calls ``use_book_style()`` once, then plots with plain
matplotlib. The style is deliberately quiet: no top/right spines, a light
grid, readable font sizes, and a colour cycle that stays distinct in grey.
"""

from __future__ import annotations

import matplotlib as mpl

# Okabe and Ito's colour-blind-safe palette.
PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"]

BOOK_STYLE = {
    "figure.figsize": (6.4, 3.6),
    "figure.dpi": 110,
    "savefig.dpi": 150,
    "savefig.bbox": "tight",
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "grid.linewidth": 0.6,
    "legend.frameon": False,
    "lines.linewidth": 1.8,
    "axes.prop_cycle": mpl.cycler(color=PALETTE),
    "image.cmap": "viridis",
}


def use_book_style() -> None:
    """Apply the book's matplotlib style to every figure made after this call."""
    mpl.rcParams.update(BOOK_STYLE)
