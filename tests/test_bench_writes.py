"""bench/writes.py's pure parts: the /proc readers, the importtime parser and the summary table (not timed)."""
import importlib.util
import os
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"


@pytest.fixture(scope="module")
def writes():
    sys.path.insert(0, str(BENCH))
    try:
        spec = importlib.util.spec_from_file_location("bench_writes", BENCH / "writes.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.path.remove(str(BENCH))


def test_stat_cpu_is_utime_plus_stime_even_with_parentheses_in_the_name(writes):
    # fields: pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime ...
    stat = "4242 (gunicorn: worker (x) [wsgi]) S 1 4242 4242 0 -1 4194560 100 0 0 0 731 69 0 0 20 0 1 0"
    assert writes.parse_stat_cpu(stat) == 800


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="Linux /proc")
def test_cpu_seconds_of_this_process_grow_with_work(writes):
    before = writes.cpu_seconds(os.getpid())
    deadline = os.times().elapsed + 0.3
    while os.times().elapsed < deadline:
        sum(range(1000))
    assert writes.cpu_seconds(os.getpid()) > before


def test_kb_fields_of_status_and_smaps_rollup(writes):
    status = "Name:\tpython\nVmPeak:\t  300000 kB\nVmRSS:\t  183296 kB\nRssAnon:\t 100 kB\n"
    rollup = "55d0-7ffe ---p 00000000 00:00 0 [rollup]\nRss:              183296 kB\nPss:              166912 kB\n" \
             "Pss_Anon:          90000 kB\n"
    assert writes.parse_kb(status, "VmRSS") == 183296
    assert writes.parse_kb(rollup, "Pss") == 166912  # not Pss_Anon
    with pytest.raises(ValueError):
        writes.parse_kb(status, "Pss")


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="Linux /proc")
def test_memory_of_this_process(writes):
    memory = writes.memory_mb(os.getpid())
    assert 5 < memory["rss_mb"] < 10000
    assert memory["pss_mb"] is None or 0 < memory["pss_mb"] <= memory["rss_mb"] + 1


def test_importtime_lines_and_totals_per_package(writes):
    stderr = ("import time: self [us] | cumulative | imported package\n"
              "import time:       120 |        120 |   _io\n"
              "import time:      2000 |       2500 |     sqlalchemy.sql\n"
              "import time:       500 |       3000 |   sqlalchemy\n"
              "some other line a module printed\n"
              "import time:       400 |       3520 | wsgi\n")
    rows = writes.parse_importtime(stderr)
    assert rows == [(120, 120, "  _io"), (2000, 2500, "    sqlalchemy.sql"), (500, 3000, "  sqlalchemy"),
                    (400, 3520, "wsgi")]
    assert writes.by_top_package(rows) == [("sqlalchemy", 2500), ("wsgi", 400), ("_io", 120)]


def test_table_puts_medians_beside_reference_and_target(writes):
    def figures(app, db=None):
        return {"requests": 10, "app_ms": app, "db_ms": db, "wall_ms": app * 2}
    rounds = [{key: figures(ms) for key, _w, _v, _d in writes.KINDS}
              for ms in (10.0, 30.0, 20.0)]
    raw = {"rounds": [figures(1.0), figures(2.0), figures(3.0)], "bare": [figures(0.5), figures(1.5), figures(1.0)],
           "memory": [{"rss_mb": 31.0, "pss_mb": 20.0}]}
    memory = {"at_start": {}, "after": {11: {"rss_mb": 100.0, "pss_mb": 90.0}, 12: {"rss_mb": 130.0, "pss_mb": 99.0}},
              "master": {"rss_mb": 80.0, "pss_mb": 40.0},
              "renderer": {"at_start": {"rss_mb": 60.0, "pss_mb": 45.0}, "after": {"rss_mb": 66.0, "pss_mb": 50.0}},
              "pdf_ms": [900.0, 300.0, 250.0, 260.0]}
    lines = writes.table("sqlite", rounds, raw, memory, [1.0, 2.0, 1.2])
    by_name = {line.split("  ")[0]: line for line in lines[2:]}
    order = by_name["create a 10-line sales order (POST), CPU ms/req"]
    assert "20.0" in order and "10.0/30.0/20.0" in order and "126.0" in order and order.endswith("NO")
    assert by_name["scan / raw (app CPU)"].split()[5] == "10.00"  # median scan 20 over median raw 2
    assert by_name["bare Flask GET (raw app's /healthz), CPU ms/req"].split()[8:10] == ["1.00", "0.50/1.50/1.00"]
    assert by_name["/healthz / raw (app CPU)"].split()[5] == "10.00"  # each kind's median is 20 here
    assert by_name["/api/v1/me / raw (app CPU)"].split()[5] == "10.00"
    assert by_name["worker 1 RSS after the day's load, MB"].endswith("yes")
    assert by_name["worker 2 RSS after the day's load, MB"].endswith("NO")
    assert by_name["cold start to first authenticated 200, s"].endswith("yes")  # median 1.2 <= 1.5
    renderer = by_name["PDF renderer RSS after the day's load (shared), MB"]
    assert renderer.split()[-5:] == ["66.0", "PSS", "50.0", "-", "-"]
    everything = by_name["PSS of all gunicorn's processes (master, workers, renderer), MB"]
    assert "279.0" in everything  # 40 + 90 + 99 + 50: what moved to the renderer is still counted
    assert "280  first 900, max 900" in by_name["invoice PDF request during the day (2 clients), ms"]
