"""Report screens: dashboard."""
