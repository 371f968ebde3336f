"""Exercises of chapter 9 (being written)."""

from __future__ import annotations

from companion.exercises.checking import Exercise

EXERCISES: dict[str, Exercise] = {}
