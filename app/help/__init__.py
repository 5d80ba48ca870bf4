"""Help inside the app: a page per screen, quick starts, search, cached for offline use."""
