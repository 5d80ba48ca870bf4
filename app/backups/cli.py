"""`flask backup` and `flask restore`: the same encrypted, verified backups as the schedule, from a shell."""
import tempfile
from pathlib import Path

import click

from app.backups import crypto, services, snapshot
from app.backups.models import OK
from app.errors import BusinessRuleError
from app.extensions import db


def _fail(error: BusinessRuleError):
    db.session.rollback()
    raise click.ClickException(str(error.message))


@click.command("backup")
@click.argument("path", required=False, type=click.Path(dir_okay=False, path_type=Path))
def backup_command(path):
    """Make a backup now (safe while the app runs). Without PATH: to the destination set on the backup screen,
    verified and recorded; with PATH: an encrypted backup written to PATH."""
    from app.backups.task import run_now
    try:
        if path is not None:
            recipient = services.settings().recipient
            db.session.commit()
            if not recipient:
                raise BusinessRuleError("no backup key yet: make one on the backup settings screen")
            with tempfile.TemporaryDirectory(prefix="jxc-backup-") as work:
                snapshot.take(Path(work) / "snapshot")
                crypto.seal(Path(work) / "snapshot", path, recipient)
            click.echo(f"encrypted backup written to {path}")
            return
        run = run_now()
    except BusinessRuleError as error:
        _fail(error)
    if run.status != OK:
        raise click.ClickException(f"backup failed: {run.message}")
    click.echo(f"backup written to {run.location} ({run.size} bytes), restored into a scratch database and checked")


@click.command("restore")
@click.argument("path", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--key", "key", type=click.Path(dir_okay=False, path_type=Path),
              help="The backup key file (AGE-SECRET-KEY-...); default: this server's key file.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def restore_command(path, key, yes):
    """Replace the database with the encrypted backup at PATH (same schema version only)."""
    try:
        with tempfile.TemporaryDirectory(prefix="jxc-restore-") as work:
            raw = path  # a plain snapshot, as `flask backup PATH` wrote before backups were encrypted
            if not snapshot.is_snapshot(path):
                raw = Path(work) / "restored"
                crypto.unseal(path, raw, crypto.read_identity(key))
            snapshot.check_restorable(raw, db.engine.url.get_backend_name())
            if not yes:
                click.confirm("This replaces all current data. Continue?", abort=True)
            snapshot.load(raw)
    except BusinessRuleError as error:
        _fail(error)
    click.echo(f"restored from {path}")
