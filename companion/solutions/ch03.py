"""Reference solutions of chapter 3's exercises (being written)."""
