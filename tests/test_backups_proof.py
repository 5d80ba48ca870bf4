"""Proof that a backup made while others write is a consistent snapshot: every write acknowledged before the backup
began comes back on restore, and each writer's rows come back as an unbroken run from its first (no write half
there). A file database on SQLite, a server on PostgreSQL; writers on connections of their own, as other processes."""
import threading
import time

from sqlalchemy import create_engine, insert, select

from app.audit.models import AuditEntry
from app.extensions import db
from tests.backup_fixtures import cli, keyed  # noqa: F401  (fixtures)

WRITERS = 3


def _writer(url, number: int, acknowledged: list, stop: threading.Event, errors: list):
    engine = create_engine(url)
    try:
        sequence = 0
        while not stop.is_set():
            with engine.begin() as connection:
                connection.execute(insert(AuditEntry).values(
                    action="proof.write", object_type=f"Writer{number}", object_id=sequence, object_label="",
                    changes={}))
            acknowledged.append(sequence)  # the commit returned: the write is acknowledged
            sequence += 1
            time.sleep(0.002)  # pace the writers on a shared two-core machine; not waiting for anything
    except Exception as error:  # reported by the test, not lost in the thread
        errors.append(error)
    finally:
        engine.dispose()


def test_a_backup_taken_under_writes_restores_every_acknowledged_write(cli, keyed):
    url = db.engine.url.render_as_string(hide_password=False)
    db.session.remove()
    acknowledged = [[] for _ in range(WRITERS)]
    stop, errors = threading.Event(), []
    threads = [threading.Thread(target=_writer, args=(url, n, acknowledged[n], stop, errors)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    try:
        while min(len(done) for done in acknowledged) < 20 and not errors:
            time.sleep(0.01)
        before = [list(done) for done in acknowledged]  # acknowledged before the backup began
        result = cli("backup", str(keyed / "proof.age"))  # unverified: the scratch restore is tested elsewhere
        during = [len(done) for done in acknowledged]
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert not errors, errors
    assert result.exit_code == 0, result.output
    assert all(count > len(done) for count, done in zip(during, before)), "the writers wrote during the backup"
    total = [len(done) for done in acknowledged]

    result = cli("restore", str(keyed / "proof.age"), "--key", str(keyed / "key" / "backup-identity.txt"), "--yes")
    assert result.exit_code == 0, result.output
    for number in range(WRITERS):
        restored = db.session.scalars(select(AuditEntry.object_id).where(
            AuditEntry.object_type == f"Writer{number}")).all()
        assert set(before[number]) <= set(restored)
        assert sorted(restored) == list(range(len(restored)))  # one moment's data: no gap, nothing half there
        assert len(restored) <= total[number]
