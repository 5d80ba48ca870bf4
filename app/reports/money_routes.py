"""Report screens: money."""
