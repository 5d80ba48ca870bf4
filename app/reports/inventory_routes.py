"""Report screens: inventory."""
