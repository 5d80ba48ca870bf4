"""The progressive web app: manifest, service worker and offline shell."""
