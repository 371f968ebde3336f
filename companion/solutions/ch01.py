"""Reference solutions of chapter 1's exercises (being written)."""
