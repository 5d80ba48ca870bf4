"""The home screen and the navigation shell."""
