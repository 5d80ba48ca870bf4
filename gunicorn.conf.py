"""gunicorn's settings, read from the directory it starts in (`gunicorn wsgi:app` needs no flags for these).

The app is loaded once in the master and the workers are forked from it, so they share its pages (the imported
code, the mapped models, the URL map) copy-on-write instead of each loading its own copy. Two things keep the
sharing from fading: the cyclic garbage collector is off while the app loads and everything loaded is then frozen
(gc.freeze(): the workers' collections never write to those objects, nor spend time walking them), and no
database connection is open at a fork (a connection shared by two processes would mix their conversations).

PDFs are made by one renderer process for all workers (app/pdf_renderer.py), which the master starts before it
forks them and stops when it exits: WeasyPrint and its CJK font (about 50 MB) then live once, not in every worker.
The workers find its socket in the environment the master passes on; without it they render PDFs themselves.
"""
import gc
import os

preload_app = True

# Collections while the app loads would leave freed holes among the objects to share, which the workers' own
# objects would then fill, copying the pages; they also cost a few tenths of a second of the start.
gc.disable()


def _jxc(server):
    """The JXC app being served, or None for another (bench/raw_app.py is served with these settings too)."""
    app = server.app.wsgi()
    return app if "sqlalchemy" in getattr(app, "extensions", {}) else None


def on_starting(server):
    """In the master, the app loaded and nothing forked yet: start the PDF renderer (a lean interpreter of its own,
    so it inherits no connection) and tell the workers-to-be where it listens (instance folder, mode 0600)."""
    if _jxc(server) is None:
        return
    from app import pdf_renderer
    from app.config import INSTANCE
    path = INSTANCE / "pdf-renderer.sock"
    try:
        server.pdf_renderer = pdf_renderer.start(path)
    except (OSError, pdf_renderer.Unavailable) as error:
        server.log.warning("%s: each worker renders its own PDFs", error)
        return
    os.environ[pdf_renderer.SOCKET_ENV] = str(path)


def when_ready(server):
    """In the master, the app loaded and no worker forked yet: freeze what was loaded, collect again from here."""
    gc.freeze()
    gc.enable()


def pre_fork(server, worker):
    """In the master, before each worker is forked (again when one is replaced): no connection open, and what the
    master made since is frozen too."""
    if (app := _jxc(server)) is not None:
        from app.extensions import db  # not for another app: bench/raw_app.py is the bare-Flask reference
        with app.app_context():
            for engine in db.engines.values():
                engine.dispose()
    gc.freeze()


def on_exit(server):
    """In the master, shutting down: stop the PDF renderer (documents it is still rendering reach their workers)."""
    if renderer := getattr(server, "pdf_renderer", None):
        from app import pdf_renderer
        pdf_renderer.stop(renderer)
