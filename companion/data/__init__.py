"""Datasets and seeded generators. Imports no other part of the package."""
