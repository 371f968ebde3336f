"""Reference solutions of chapter 10's exercises (being written)."""
