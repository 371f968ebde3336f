"""Reference solutions of chapter 9's exercises (being written)."""
