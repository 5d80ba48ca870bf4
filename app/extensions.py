"""Flask extensions, made once and bound in create_app."""
import click
from flask_babel import Babel
from flask_htmx import HTMX
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Named constraints keep migrations identical on SQLite (batch mode) and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


db = SQLAlchemy(model_class=Base)
login_manager = LoginManager()
csrf = CSRFProtect()
htmx = HTMX()
babel = Babel()


def init_migrations(app) -> None:
    """Flask-Migrate on `app` (once), for `flask db ...` and flask_migrate's functions (tests call upgrade()).

    Not at start: Flask-Migrate brings Alembic, Mako and Pygments, about 11 MB and 0.2 s a process that serving
    requests never uses. create_app registers a `db` command that calls this first (register_migrations)."""
    if "migrate" in app.extensions:
        return
    from flask_migrate import Migrate

    from app.config import ROOT
    Migrate(app, db, directory=str(ROOT / "migrations"), render_as_batch=True, compare_type=True)


def register_migrations(app) -> None:
    """`flask db ...`: sets Flask-Migrate up, then hands every argument (--help too) to its own command group."""

    @app.cli.command("db", add_help_option=False,
                     context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
    @click.pass_context
    def migrations(ctx):
        """Perform database migrations (Flask-Migrate)."""
        from flask import current_app
        init_migrations(current_app)
        from flask_migrate.cli import db as flask_migrate_db
        flask_migrate_db.main(args=ctx.args, prog_name=ctx.command_path, obj=ctx.obj)
