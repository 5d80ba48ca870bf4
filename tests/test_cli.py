"""Command-line tasks: users, tokens, demo and check (backup and restore: tests/test_backups.py)."""
import pytest

from app.auth.models import User
from app.extensions import db
from tests import factories


@pytest.fixture
def cli(app):
    runner = app.test_cli_runner()

    def run(*args, input=None):
        db.session.remove()  # the command works in its own session, as it would from a shell
        return runner.invoke(args=list(args), input=input)
    return run


def test_users_create_and_token(cli, client):
    result = cli("users", "create", "laowang", "--role", "owner", "--password", "longenough")
    assert result.exit_code == 0, result.output
    result = cli("users", "token", "laowang")
    assert result.exit_code == 0
    token = result.output.strip().splitlines()[-1]
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).json["username"] == "laowang"


def test_users_create_prompts_for_the_password(cli):
    result = cli("users", "create", "laowang", "--role", "sales", input="longenough\nlongenough\n")
    assert result.exit_code == 0, result.output
    assert db.session.query(User).filter_by(username="laowang").one().role.value == "sales"


def test_users_create_refuses_bad_input_clearly(cli):
    factories.user(username="taken")
    result = cli("users", "create", "taken", "--role", "sales", "--password", "longenough")
    assert result.exit_code == 1 and "taken" in result.output
    assert cli("users", "create", "x2", "--role", "king", "--password", "longenough").exit_code == 2
    assert cli("users", "token", "nobody").exit_code == 1


def test_demo_loads_every_role_once(cli):
    result = cli("demo")
    assert result.exit_code == 0, result.output
    roles = {user.role.value for user in db.session.query(User)}
    assert roles == {"owner", "sales", "warehouse", "purchasing", "finance"}
    assert "boss" in result.output and "demo1234" in result.output
    from app.catalog.models import Product
    from app.inventory.models import StockMove
    assert db.session.query(Product).count() >= 15 and db.session.query(StockMove).count() > 15
    assert cli("check").exit_code == 0  # the demo's ledger and levels agree
    assert cli("demo", "--if-empty").exit_code == 0
    assert cli("demo").exit_code == 1  # never on top of real data


def test_check_passes_then_reports_a_breach(cli):
    factories.user(role="owner")
    assert cli("check").exit_code == 0
    db.session.query(User).update({"active": False})
    db.session.commit()
    result = cli("check")
    assert result.exit_code == 1 and "owner" in result.output
