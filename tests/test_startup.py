"""Starting the app loads what serving a request needs and no more: the big libraries (PDFs, spreadsheets, pinyin
tables, S3, encryption, barcodes, images, migrations) are imported by the code that first uses them, so a worker
starts quickly and small (issue 19: 1,671 modules and 180 MB before; gunicorn.conf.py shares the rest)."""
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

LOADED_ON_FIRST_USE = ("weasyprint", "fontTools", "openpyxl", "pypinyin", "boto3", "botocore", "pyrage", "segno",
                       "barcode", "PIL", "flask_migrate", "alembic", "limits", "markdown_it", "huey")

PROBE = """
import json, sys
from wsgi import app
print(json.dumps(sorted({name.split(".")[0] for name in sys.modules} & set(json.loads(sys.argv[1])))))
"""


def test_importing_the_app_loads_no_library_that_only_some_requests_use(tmp_path):
    env = {**os.environ, "JXC_INSTANCE": str(tmp_path), "SECRET_KEY": "s" * 40,
           "DATABASE_URL": f"sqlite:///{tmp_path / 'jxc.db'}"}
    result = subprocess.run([sys.executable, "-c", PROBE, json.dumps(LOADED_ON_FIRST_USE)], cwd=ROOT, env=env,
                            capture_output=True, text=True, check=True)
    assert json.loads(result.stdout) == []


def test_the_db_command_loads_flask_migrate_when_run(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["db", "--help"])
    assert result.exit_code == 0, result.output
    assert "upgrade" in result.output and "downgrade" in result.output  # Flask-Migrate's own commands
    assert runner.invoke(args=["db", "heads"]).exit_code == 0
    assert runner.invoke(args=["db", "no-such-command"]).exit_code == 2
    assert "migrate" in app.extensions


def test_gunicorn_preloads_the_app_and_freezes_it_before_forking():
    """gunicorn reads gunicorn.conf.py from the directory it starts in (docs/deploy.md, the Dockerfile)."""
    settings = {}
    exec((ROOT / "gunicorn.conf.py").read_text(), settings)  # noqa: S102 - our own file
    try:
        assert settings["preload_app"] is True
        assert {"on_starting", "when_ready", "pre_fork", "on_exit"} <= settings.keys()  # on_*: the PDF renderer
    finally:
        import gc
        gc.enable()  # the file turns the collector off until the fork
