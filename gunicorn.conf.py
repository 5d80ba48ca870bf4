"""gunicorn's settings, read from the directory it starts in (`gunicorn wsgi:app` needs no flags for these).

The app is loaded once in the master and the workers are forked from it, so they share its pages (the imported
code, the mapped models, the URL map) copy-on-write instead of each loading its own copy. Two things keep the
sharing from fading: the cyclic garbage collector is off while the app loads and everything loaded is then frozen
(gc.freeze(): the workers' collections never write to those objects, nor spend time walking them), and no
database connection is open at a fork (a connection shared by two processes would mix their conversations).
"""
import gc

preload_app = True

# Collections while the app loads would leave freed holes among the objects to share, which the workers' own
# objects would then fill, copying the pages; they also cost a few tenths of a second of the start.
gc.disable()


def when_ready(server):
    """In the master, the app loaded and no worker forked yet: freeze what was loaded, collect again from here."""
    gc.freeze()
    gc.enable()


def pre_fork(server, worker):
    """In the master, before each worker is forked (again when one is replaced): no connection open, and what the
    master made since is frozen too."""
    app = server.app.wsgi()
    if "sqlalchemy" in getattr(app, "extensions", {}):  # another app served from here (bench/raw_app.py) has none
        from app.extensions import db  # not imported for it: bench/raw_app.py is the bare-Flask reference
        with app.app_context():
            for engine in db.engines.values():
                engine.dispose()
    gc.freeze()
