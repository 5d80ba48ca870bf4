"""Report screens: sales."""
