"""NumPy implementations, written the way the chapters write the equations.

Never imports torch or keras.
"""
