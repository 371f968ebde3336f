"""Reference solutions of chapter 4's exercises (being written)."""
