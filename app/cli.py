"""Command-line tasks: users, demo data, invariant checks, backup and restore."""
import click
from flask import Flask
from sqlalchemy import func, select

from app.errors import BusinessRuleError
from app.extensions import db


def register_commands(app: Flask) -> None:
    app.cli.add_command(users)
    app.cli.add_command(demo)
    app.cli.add_command(check)
    app.cli.add_command(inventory)
    from app.backups.cli import backup_command, restore_command
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    from app.books.backfill import books_cli
    app.cli.add_command(books_cli)


def _fail(error: BusinessRuleError):
    db.session.rollback()
    raise click.ClickException(str(error.message))


@click.group()
def users():
    """Create users and API tokens."""


@users.command("create")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice(["owner", "sales", "warehouse", "purchasing", "finance"]))
@click.option("--password", help="Asked for when not given.")
@click.option("--name", "display_name", default="", help="Display name.")
def users_create(username, role, password, display_name):
    """Create a user with a role."""
    from app.auth import services
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = services.create_user(None, username, role, password, display_name)
    except BusinessRuleError as error:
        _fail(error)
    db.session.commit()
    click.echo(f"created {user.username} ({user.role.value})")


@users.command("token")
@click.argument("username")
@click.option("--name", default="cli", help="What the token is for.")
def users_token(username, name):
    """Make an API token for a user; the token is the last line printed."""
    from app.auth import services
    user = services.find_user(username)
    if user is None or not user.active:
        raise click.ClickException(f"no active user named {username}")
    _token, secret = services.create_token(user, name)
    db.session.commit()
    click.echo(f"API token for {user.username} (shown once, keep it safe):")
    click.echo(secret)


@users.command("reset-2fa")
@click.argument("username")
def users_reset_two_factor(username):
    """Turn off a user's second factor (lost phone and recovery codes, and no other owner to do it)."""
    from app.auth import services, two_factor
    user = services.find_user(username)
    if user is None:
        raise click.ClickException(f"no user named {username}")
    try:
        two_factor.reset(None, user)
    except BusinessRuleError as error:
        _fail(error)
    db.session.commit()
    click.echo(f"two-step sign-in is off for {user.username}; they set it up again at their next sign-in "
               "if their role requires it")


@click.command()
@click.option("--if-empty", is_flag=True, help="Only when the database has no users yet.")
def demo(if_empty):
    """Load a realistic demo company (Chinese) into the database."""
    from app.auth.models import User
    from app.demo import load_demo
    if db.session.scalar(select(func.count()).select_from(User)):
        if if_empty:
            click.echo("database already has data; demo not loaded")
            return
        raise click.ClickException("the database already has users; demo data goes into an empty database")
    logins = load_demo()
    db.session.commit()
    click.echo("demo company loaded; sign in with:")
    for username, role, password in logins:
        click.echo(f"  {username:<12} {role:<11} {password}")


@click.command()
def check():
    """Verify the invariants; exit 1 on any breach."""
    from app.checks import run_all
    breaches = run_all()
    for breach in breaches:
        click.echo(f"BREACH {breach}", err=True)
    if breaches:
        raise SystemExit(1)
    click.echo("all invariants hold")


@click.group()
def inventory():
    """Stock ledger maintenance."""


@inventory.command("rebuild-totals")
def inventory_rebuild_totals():
    """Rewrite the ledger's month and year totals from its moves (after JXC_TIMEZONE changes on a database that keeps no time zone of its own)."""
    from app.inventory import totals
    written = totals.rebuild()
    db.session.commit()
    click.echo(f"{written} month and year totals written")
