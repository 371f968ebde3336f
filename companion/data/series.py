"""Time series for forecasting: four real series, a seeded random walk, splits, scaling and windows.

The real series ship with statsmodels, so nothing is downloaded:

    sunspots      yearly mean sunspot number, 1700-2008 (309 values)
    co2           Mauna Loa CO2 in ppm, weekly 1958-2001, averaged to months
                  (months without any measurement are filled by linear interpolation)
    elnino        monthly sea-surface temperature (deg C) of the El Nino region, 1950-2010,
                  melted from a year-by-month table into one series
    consumption   quarterly US real personal consumption (billions of 2005 dollars),
                  1959-2009, from statsmodels' ``macrodata``: the stand-in for sales,
                  because this statsmodels has no ``elec_equip`` dataset

``random_walk`` makes the series on which no forecast beats "tomorrow equals today".
Splits are by time and never shuffled; the scaler is fitted on the training part only;
``windows`` cuts a series into (input window, next value) pairs.

    from companion.data.series import load_series, time_split, Scaler, windows, random_walk
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SERIES_NAMES = ("sunspots", "co2", "elnino", "consumption")


@dataclass(frozen=True)
class Series:
    """One series: ``values`` (N,) float64, ``times`` (N,) as decimal years, its name, unit and period.

    ``period`` is the number of steps in one season (12 for monthly data, 4 for
    quarterly, 11 for the approximate sunspot cycle, 1 when there is none).
    """

    name: str
    values: np.ndarray
    times: np.ndarray
    unit: str
    period: int


def _sunspots() -> Series:
    from statsmodels.datasets import sunspots

    frame = sunspots.load_pandas().data
    return Series("sunspots", frame["SUNACTIVITY"].to_numpy(float), frame["YEAR"].to_numpy(float),
                  "sunspot number", 11)


def _co2() -> Series:
    from statsmodels.datasets import co2

    weekly = co2.load_pandas().data["co2"]
    monthly = weekly.resample("MS").mean().interpolate(method="linear")
    times = monthly.index.year + (monthly.index.month - 1) / 12
    return Series("co2", monthly.to_numpy(float), np.asarray(times, float), "ppm", 12)


def _elnino() -> Series:
    from statsmodels.datasets import elnino

    table = elnino.load_pandas().data  # one row per year, one column per month
    months = table.columns[1:]
    values = table[months].to_numpy(float).reshape(-1)  # row-major: year by year, January first
    years = np.repeat(table["YEAR"].to_numpy(float), len(months)) + np.tile(np.arange(len(months)) / 12, len(table))
    return Series("elnino", values, years, "deg C", 12)


def _consumption() -> Series:
    from statsmodels.datasets import macrodata

    frame = macrodata.load_pandas().data
    times = frame["year"].to_numpy(float) + (frame["quarter"].to_numpy(float) - 1) / 4
    return Series("consumption", frame["realcons"].to_numpy(float), times, "billion 2005 USD", 4)


def load_series(name: str) -> Series:
    """One of SERIES_NAMES, loaded offline from statsmodels; no value is NaN."""
    loaders = {"sunspots": _sunspots, "co2": _co2, "elnino": _elnino, "consumption": _consumption}
    if name not in loaders:
        raise ValueError(f"name must be one of {', '.join(SERIES_NAMES)}; got {name!r}")
    series = loaders[name]()
    if not np.all(np.isfinite(series.values)):
        raise ValueError(f"{name} has missing values after loading")
    return series


def random_walk(n: int, seed: int, sigma: float = 1.0, start: float = 100.0) -> np.ndarray:
    """A Gaussian random walk y_t = y_{t-1} + sigma * e_t of length ``n``, float64 (n,).

    It is a martingale: the best forecast of y_{t+1} given the past is y_t, so
    the naive forecast is optimal and any model can at best match it.
    """
    if n < 1:
        raise ValueError(f"n must be at least 1; got {n}")
    rng = np.random.default_rng(seed)
    steps = sigma * rng.standard_normal(n)
    steps[0] = 0.0
    return start + np.cumsum(steps)


def time_split(n: int, n_valid: int, n_test: int) -> tuple[slice, slice, slice]:
    """Slices (train, valid, test) of a length-``n`` series: the last ``n_test`` steps are the test part,
    the ``n_valid`` before them validation, everything earlier training. Nothing is shuffled."""
    if n_valid < 1 or n_test < 1 or n_valid + n_test >= n:
        raise ValueError(f"need 1 <= n_valid, 1 <= n_test and n_valid + n_test < n; got {n_valid}, {n_test}, {n}")
    train_end, valid_end = n - n_valid - n_test, n - n_test
    return slice(0, train_end), slice(train_end, valid_end), slice(valid_end, n)


@dataclass(frozen=True)
class Scaler:
    """Standardisation z = (y - mean) / std with mean and std of the training part only."""

    mean: float
    std: float

    @classmethod
    def fit(cls, train: np.ndarray) -> Scaler:
        train = np.asarray(train, dtype=np.float64)
        if train.ndim != 1 or train.size < 2:
            raise ValueError(f"train must be (N,) with N >= 2; got {train.shape}")
        std = float(train.std())
        if std == 0:
            raise ValueError("train is constant; it cannot be scaled")
        return cls(float(train.mean()), std)

    def transform(self, y: np.ndarray) -> np.ndarray:
        return (np.asarray(y, dtype=np.float64) - self.mean) / self.std

    def inverse(self, z: np.ndarray) -> np.ndarray:
        return np.asarray(z, dtype=np.float64) * self.std + self.mean


def windows(z: np.ndarray, length: int, targets: slice | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Every (input window, next value) pair of the series ``z`` (N,).

    Returns X (M, length) with X[i] = z[t - length : t] and y (M,) with y[i] = z[t],
    for every target index t >= length that lies in ``targets`` (all of them by
    default). A window may reach back before ``targets.start``: inputs are the past,
    which is known when the forecast is made; only targets are restricted.
    """
    z = np.asarray(z, dtype=np.float64)
    if z.ndim != 1:
        raise ValueError(f"z must be (N,); got {z.shape}")
    if length < 1:
        raise ValueError(f"length must be at least 1; got {length}")
    start, stop, _ = (targets or slice(None)).indices(len(z))
    idx = np.arange(max(start, length), stop)
    X = np.stack([z[t - length:t] for t in idx]) if len(idx) else np.empty((0, length))
    return X, z[idx].copy()
