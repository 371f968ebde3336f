"""Exercises of chapter 3 (being written)."""

from __future__ import annotations

from companion.exercises.checking import Exercise

EXERCISES: dict[str, Exercise] = {}
