"""Reference solutions of chapter 2's exercises (being written)."""
