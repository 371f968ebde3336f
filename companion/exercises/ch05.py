"""Exercises of chapter 5 (being written)."""

from __future__ import annotations

from companion.exercises.checking import Exercise

EXERCISES: dict[str, Exercise] = {}
