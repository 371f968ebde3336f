"""Reference solutions of chapter 6's exercises (being written)."""
