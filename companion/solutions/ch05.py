"""Reference solutions of chapter 5's exercises (being written)."""
