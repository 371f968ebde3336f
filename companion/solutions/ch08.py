"""Reference solutions of chapter 8's exercises (being written)."""
