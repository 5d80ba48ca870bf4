"""The floor bench/writes.py compares JXC's writes with: Flask and one raw sqlite3 transaction per POST.

    gunicorn -w 1 bench.raw_app:app        (RAW_DATABASE names the SQLite file; bench/writes.py sets it)

`POST /scans` with a scan's JSON body (`{"scan_id", "barcode", "qty"?}`) does what a stocktake scan cannot do
less than: parse the JSON, `BEGIN IMMEDIATE; INSERT; COMMIT` on a file database with the app's own pragmas
(app/database.py: WAL, synchronous NORMAL, a busy timeout), answer 201 with a small JSON body. No ORM, no auth,
no session, no extensions: so a scan's CPU over this one's is what JXC adds to the transaction itself
(issue 19's target: at most 2x). Its worker's memory after the load is the "bare Flask worker" reference too.
"""
import os
import sqlite3
import threading

from flask import Flask, jsonify, request

DATABASE = os.environ.get("RAW_DATABASE", "raw.sqlite3")

app = Flask(__name__)
_local = threading.local()  # one connection per thread (a sync worker has one)


def connection() -> sqlite3.Connection:
    conn = getattr(_local, "conn", None)
    if conn is None:
        conn = sqlite3.connect(DATABASE, isolation_level=None)  # autocommit: we say BEGIN ourselves
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA busy_timeout=5000")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("CREATE TABLE IF NOT EXISTS scan (id INTEGER PRIMARY KEY, scan_id TEXT NOT NULL UNIQUE,"
                     " barcode TEXT NOT NULL, qty TEXT NOT NULL)")
        _local.conn = conn
    return conn


@app.post("/scans")
def scan():
    data = request.get_json()
    conn = connection()
    conn.execute("BEGIN IMMEDIATE")
    try:
        cursor = conn.execute("INSERT INTO scan (scan_id, barcode, qty) VALUES (?, ?, ?)",
                              (data["scan_id"], data["barcode"], str(data.get("qty", "1"))))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return jsonify(id=cursor.lastrowid, scan_id=data["scan_id"], qty=str(data.get("qty", "1"))), 201


@app.get("/healthz")
def healthz():
    return "ok"
