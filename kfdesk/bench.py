"""``kfdesk bench``: performance figures, printed as one JSON object, never asserted in tests.

Parts (``--only NAME``):
- ``startup``: ``startup_ms`` — process start to the first painted screen of the counter on
  the demo database, as it starts every day (``kfdesk --db demo.db``: the sign-in screen;
  headless, median of several runs) — beside ``bare_textual_ms``, the same for a bare Textual
  app with a header and footer in the same run. Target: startup ≤ 1.5 × bare. Also
  ``demo_startup_ms``: ``kfdesk demo``, which skips sign-in and opens on the intake form (a
  screen of some 50 widgets and the day's tickets), with its own ratio; no target.
- ``engine``: a synthetic large community (5,000 units, 1,000,000 historical tickets with
  their stopped clocks, 50,000 open clocks of which about 2 % are due soon or overdue) in a
  temporary database; ``evaluate_ms`` is the median of a full ``evaluate(now)``,
  ``raw_count_ms`` the median of ``SELECT COUNT(*) FROM deadline WHERE stopped_at IS NULL AND
  due_at <= now`` as plain SQL runs it on the schema (no index exists for that query; the
  engine's own query reads the covering partial index of running clocks). Target: evaluate
  ≤ 50 ms and ≤ 3 × the raw count.
- ``cashier``: ``receipts_per_s`` — durable receipts per second for one counter calling
  ``take_payment`` in a loop (``CASHIER_RECEIPTS`` receipts per run, each paying part of one
  large charge: allocation, receipt and audit; median of the runs) on a temporary SQLite
  store opened as the counter opens it (WAL, synchronous=FULL: each
  receipt is on disk when the call returns, KF-015 §4.6). Target: ≥ 200 receipts/s.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

DEMO_NOW = "2026-10-09T10:00"

BARE_APP = """
import sys, time
from pathlib import Path
from textual.app import App
from textual.widgets import Footer, Header, Static

class Bare(App):
    def compose(self):
        yield Header()
        yield Static("bare")
        yield Footer()

    def on_ready(self):
        Path(sys.argv[1]).write_text(repr(time.time()), encoding="utf-8")
        self.exit()

Bare().run(headless=True)
"""


def _env() -> dict[str, str]:
    # Measure an installed app as it runs day to day: with its bytecode cached (the warm-up
    # run writes it), whatever this shell says about writing .pyc files.
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def _time_ms(cmd: list[str], stamp: Path) -> float:
    """Process start to the first painted frame: the child writes the wall-clock instant of
    its first frame (Textual's Ready) to ``stamp``; its shutdown is not counted."""
    stamp.unlink(missing_ok=True)
    start = time.time()
    proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                          env=_env())
    if proc.returncode != 0 or not stamp.exists():
        raise RuntimeError(f"{' '.join(cmd)} failed: {proc.stderr.strip()[-500:]}")
    return (float(stamp.read_text(encoding="utf-8")) - start) * 1000


def _median(fn: Callable[[], float], runs: int) -> float:
    fn()  # warm the OS file cache so the first run does not skew the median
    return round(statistics.median(fn() for _ in range(runs)), 1)


def bench_startup(runs: int, workdir: Path) -> dict[str, float]:
    db = workdir / "demo.db"
    where = ["--db", str(db), "--now", DEMO_NOW]
    subprocess.run([sys.executable, "-m", "kfdesk", "demo", *where, "--build-only"],
                   check=True, stdout=subprocess.DEVNULL)
    stamp = workdir / "painted"
    daily = [sys.executable, "-m", "kfdesk", *where, "--bench-exit", str(stamp)]
    demo = [sys.executable, "-m", "kfdesk", "demo", *where, "--bench-exit", str(stamp)]
    bare_app = [sys.executable, "-c", BARE_APP, str(stamp)]
    commands = (daily, demo, bare_app)
    for cmd in commands:  # warm the file cache, the bytecode and the catalogue cache
        _time_ms(cmd, stamp)
    # Interleaved, so a machine that speeds up or slows down during the run (a shared VM
    # does) weighs on every figure alike.
    rounds = [[_time_ms(cmd, stamp) for cmd in commands] for _ in range(runs)]
    startup, demo_startup, bare = (round(statistics.median(r[i] for r in rounds), 1)
                                   for i in range(len(commands)))
    return {
        "startup_ms": startup,
        "bare_textual_ms": bare,
        "startup_ratio": round(startup / bare, 2),
        "demo_startup_ms": demo_startup,
        "demo_startup_ratio": round(demo_startup / bare, 2),
    }


def _timed(fn: Callable[[], object], runs: int) -> float:
    def once() -> float:
        start = time.perf_counter()
        fn()
        return (time.perf_counter() - start) * 1000

    return round(_median(once, runs), 2)


def build_large_community(path: Path, now: datetime, units: int = 5000,
                          tickets: int = 1_000_000, open_clocks: int = 50_000,
                          seed: int = 7) -> dict[str, int]:
    """Fill a new store with a synthetic office for the engine benchmark (fast, raw SQL)."""
    import random

    from .clock import FixedClock
    from .db import open_store
    from .desk.staff import create_staff
    from .models import Building, Group, database

    rng = random.Random(seed)
    clock = FixedClock(now)
    open_store(str(path), clock)
    clerks = [create_staff(f"c{i}", f"员工{i}", "clerk", "1234", clock, salt=bytes(16)).id
              for i in range(8)]
    group = Group.create(code="B", name="基准")
    building = Building.create(group=group, number="1", name="1栋", floors=30)
    conn = database.obj.connection()
    # A throwaway file: no need to survive a power cut, and a big cache keeps the 2M rows
    # from spilling to the WAL page by page.
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("PRAGMA cache_size=-400000")
    utc = now.astimezone(UTC).replace(tzinfo=None)
    with database.obj.atomic():
        conn.executemany(
            "INSERT INTO unit (building_id, entrance, floor, room, code, area_centi_m2, status)"
            " VALUES (?, 1, ?, ?, ?, 9000, 'owner_occupied')",
            ((building.id, i // 20 + 1, f"{i:05d}", f"1-1-{i:05d}") for i in range(units)),
        )
        batch = []
        for i in range(1, tickets + 1):
            received = utc - timedelta(minutes=rng.randrange(1, 3 * 365 * 24 * 60))
            batch.append((f"K-{i:07d}", received, "phone", rng.randrange(1, units + 1),
                          "repair", "water", "…", "closed", rng.choice(clerks), "engineering",
                          received + timedelta(minutes=40), received + timedelta(days=2),
                          received))
            if len(batch) == 20_000:
                _insert_tickets(conn, batch)
                batch = []
        _insert_tickets(conn, batch)
        rows = conn.execute("SELECT id, number, received_at, owner_id FROM ticket")
        deadline_sql = (
            "INSERT INTO deadline (clock, item_kind, item_id, item_ref, cycle, unit_code,"
            " owner_id, department, started_at, due_at, warn_at, stopped_at, held_seconds,"
            " provisional) VALUES ('dispatch', 'ticket', ?, ?, 1, '', ?, 'engineering',"
            " ?, ?, ?, ?, 0, 0)"
        )
        batch = []
        for tid, number, received, owner in rows:
            start = datetime.fromisoformat(str(received))
            due = start + timedelta(hours=1)
            batch.append((tid, number, owner, start, due, start + timedelta(minutes=45),
                          start + timedelta(minutes=40)))
            if len(batch) == 20_000:
                conn.executemany(deadline_sql, batch)
                batch = []
        conn.executemany(deadline_sql, batch)
        # Open clocks: callbacks and contact checks spread over the coming weeks; about 2 %
        # already due soon or overdue, as in a well-run office.
        batch = []
        for i in range(open_clocks):
            if rng.random() < 0.02:
                due = utc + timedelta(minutes=rng.randrange(-3 * 24 * 60, 60))
            else:
                due = utc + timedelta(minutes=rng.randrange(24 * 60, 30 * 24 * 60))
            start = due - timedelta(days=3)
            batch.append((i + 1, f"#{i + 1}", rng.choice(clerks), start, due,
                          start + (due - start) * 0.75))
        conn.executemany(
            "INSERT INTO deadline (clock, item_kind, item_id, item_ref, cycle, unit_code,"
            " owner_id, department, started_at, due_at, warn_at, stopped_at, held_seconds,"
            " provisional) VALUES ('complaint_callback', 'callback', ?, ?, 1, '', ?, 'desk',"
            " ?, ?, ?, NULL, 0, 0)", batch)
    conn.execute("ANALYZE")
    return {"units": units, "tickets": tickets, "open_clocks": open_clocks}


def _insert_tickets(conn, batch: list[tuple]) -> None:  # noqa: ANN001 - sqlite3 connection
    conn.executemany(
        "INSERT INTO ticket (number, received_at, channel, unit_id, kind, category, text,"
        " state, owner_id, department, dispatched_at, closed_at, updated_at, coordinated,"
        " escalation_proposal, contact_form_no, rework_count, version, caller_name, phone,"
        " forwarded_from) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, '', '', 0, 1,"
        " '', '', '')", batch)


def bench_engine(runs: int, workdir: Path) -> dict[str, float]:
    from .db import close_store
    from .models import database
    from .rules import RuleContext, evaluate

    now = datetime(2026, 10, 9, 2, 0, tzinfo=UTC)
    start = time.perf_counter()
    sizes = build_large_community(workdir / "large.db", now)
    build_s = time.perf_counter() - start
    ctx = RuleContext.from_store()
    found = evaluate(now, ctx)
    utc = now.replace(tzinfo=None)

    def raw_count() -> int:
        return database.obj.execute_sql(
            "SELECT COUNT(*) FROM deadline WHERE stopped_at IS NULL AND due_at <= ?", (utc,)
        ).fetchone()[0]

    figures = {
        "evaluate_ms": _timed(lambda: evaluate(now, ctx), runs),
        "raw_count_ms": _timed(raw_count, runs),
        "alerts": len(found),
        "overdue": raw_count(),
        "engine_build_s": round(build_s, 1),
        **{f"engine_{k}": v for k, v in sizes.items()},
    }
    figures["evaluate_ratio"] = round(figures["evaluate_ms"] / max(figures["raw_count_ms"],
                                                                    0.001), 2)
    close_store()
    return figures


CASHIER_RECEIPTS = 300


def bench_cashier(runs: int, workdir: Path) -> dict[str, float]:
    from .clock import FixedClock
    from .config import load_settings
    from .db import close_store, open_store
    from .desk.payments import add_charge, take_payment
    from .desk.staff import create_staff
    from .models import Building, Group, Unit

    clock = FixedClock(datetime(2026, 10, 9, 2, 0, tzinfo=UTC))
    open_store(str(workdir / "cashier.db"), clock)  # the store's own pragmas, untouched
    # Shipped defaults only: a user's settings file must not change the figure.
    settings = load_settings(None, environ={"KFDESK_CONFIG": str(workdir / "none.toml")})
    cashier = create_staff("bench", "收费员", "cashier", "1234", clock, salt=bytes(16))
    count = CASHIER_RECEIPTS
    building = Building.create(group=Group.create(code="B", name="bench"), number="1",
                               name="1栋", floors=6)
    Unit.create(building=building, entrance=1, floor=1, room="101", code="1-1-101",
                area_centi_m2=9000)
    # One charge large enough for every run: each payment allocates a part of it.
    charge = add_charge("1-1-101", "other", 10**11, "bench", cashier, clock, settings)
    targets = [f"charge:{charge}"]

    def once() -> float:
        start = time.perf_counter()
        for i in range(count):
            take_payment("1-1-101", 100 + i, "cash", cashier, clock, settings, targets=targets)
        return count / (time.perf_counter() - start)

    figures = {"receipts_per_s": _median(once, runs), "cashier_receipts": count}
    close_store()
    return figures


SEARCH_UNITS = 20_000
SEARCH_PEOPLE = 50_000
# What clerks type, one keystroke at a time (each prefix is one search, as the lookup runs it):
# unit codes three ways, names, initials, full pinyin, a phone's and an ID's last 4, a plate.
SEARCH_TYPED = ("12-3-1502", "1231502", "12栋3单元1502", "王秀", "张伟", "zw", "wxy",
                "zhangwei", "liuyang", "5678", "031X", "粤B3", "B31")


def build_search_community(path: Path, now: datetime, units: int = SEARCH_UNITS,
                           people: int = SEARCH_PEOPLE, seed: int = 11) -> None:
    """A store with ``units`` units and ``people`` people (owners, family, tenants), their
    search keys computed as a save computes them (kfdesk.pinyin), vehicles for a tenth."""
    import random

    from .clock import FixedClock
    from .db import open_store
    from .models import Building, Group, database
    from .pinyin import search_fields

    rng = random.Random(seed)
    open_store(str(path), FixedClock(now))
    group = Group.create(code="B", name="基准")
    conn = database.obj.connection()
    conn.execute("PRAGMA synchronous=OFF")  # a throwaway file
    utc = now.astimezone(UTC).replace(tzinfo=None)
    surnames = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董袁潘蔡蒋余"
                "于杜叶程魏苏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯"
                "龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
    given = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂兰华建国志红玉梅鹏飞宇浩然子轩欣怡晨阳"
    with database.obj.atomic():
        buildings = [Building.create(group=group, number=str(b), name=f"{b}栋", floors=30).id
                     for b in range(1, units // 200 + 2)]
        codes = []
        rows = []
        for i in range(units):
            b, rest = divmod(i, 200)
            entrance, n = divmod(rest, 50)
            floor, flat = divmod(n, 2)
            room = f"{floor + 1}{flat + 1:02d}"
            code = f"{b + 1}-{entrance + 1}-{room}"
            codes.append(code)
            rows.append((buildings[b], entrance + 1, floor + 1, room, code))
        conn.executemany(
            "INSERT INTO unit (building_id, entrance, floor, room, code, area_centi_m2, status)"
            " VALUES (?, ?, ?, ?, ?, 9000, 'owner_occupied')", rows)
        unit_ids = [r[0] for r in conn.execute("SELECT id FROM unit ORDER BY id")]
        person_rows = []
        for _ in range(people):
            name = rng.choice(surnames) + "".join(rng.choice(given)
                                                  for _ in range(rng.choice((1, 2))))
            phone = f"1{rng.choice('3589')}{rng.randrange(10**9):09d}"
            id_number = f"44030{rng.randrange(10**12):012d}{rng.choice('0123456789X')}"
            keys = search_fields(name, id_number, phone)
            person_rows.append((name, keys["pinyin"], keys["initials"], id_number,
                                keys["id_last4"], phone, keys["phone_last4"], utc))
        conn.executemany(
            "INSERT INTO person (name, pinyin, initials, gender, id_number, id_last4, phone,"
            " phone_last4, phone2, address, lives_in_community, note, created_at)"
            " VALUES (?, ?, ?, '', ?, ?, ?, ?, '', '', 1, '', ?)", person_rows)
        person_ids = [r[0] for r in conn.execute("SELECT id FROM person ORDER BY id")]
        occupancies = []
        for k, person_id in enumerate(person_ids):
            unit_id = unit_ids[k % len(unit_ids)]
            role = "owner" if k < len(unit_ids) else rng.choice(("family", "family", "tenant"))
            occupancies.append((unit_id, person_id, role, "2020-01-01"))
        conn.executemany(
            "INSERT INTO occupancy (unit_id, person_id, role, registered, resident, is_agent,"
            " relation, started_on) VALUES (?, ?, ?, 1, 1, 0, '', ?)", occupancies)
        vehicles = [(f"粤B{rng.choice('ABCDEFGH0123456789')}{rng.randrange(10**4):04d}{k}",
                     unit_ids[k * 10 % len(unit_ids)]) for k in range(units // 10)]
        conn.executemany("INSERT OR IGNORE INTO vehicle (plate, model, colour, unit_id, drivers)"
                         " VALUES (?, '', '', ?, '')", vehicles)
    conn.execute("ANALYZE")


def bench_search(runs: int, workdir: Path) -> dict[str, float]:
    """``search_ms``: the median time of one lookup per keystroke over SEARCH_TYPED on 50,000
    people and 20,000 units (target ≤ 15 ms); ``unit_glance_ms``: the median time to gather a
    unit at a glance (F6, target ≤ 50 ms)."""
    from zoneinfo import ZoneInfo

    from .db import close_store
    from .views import search_units, unit_detail

    now = datetime(2026, 10, 9, 2, 0, tzinfo=UTC)
    start = time.perf_counter()
    build_search_community(workdir / "search.db", now)
    build_s = time.perf_counter() - start
    prefixes = [typed[:k] for typed in SEARCH_TYPED for k in range(1, len(typed) + 1)]
    search_units(prefixes[0])  # warm the page cache

    def per_keystroke() -> list[float]:
        out = []
        for text in prefixes:
            t0 = time.perf_counter()
            search_units(text, limit=50)
            out.append((time.perf_counter() - t0) * 1000)
        return out

    times = [ms for _ in range(max(runs, 1)) for ms in per_keystroke()]
    zone = ZoneInfo("Asia/Shanghai")
    codes = [f"{b}-{e}-{r}" for b in (1, 17, 42, 99) for e in (1, 3) for r in ("101", "1502")]
    glance = []
    for _ in range(max(runs, 1)):
        for code in codes:
            t0 = time.perf_counter()
            unit_detail(code, now, zone)
            glance.append((time.perf_counter() - t0) * 1000)
    figures = {
        "search_ms": round(statistics.median(times), 2),
        "search_max_ms": round(max(times), 2),
        "unit_glance_ms": round(statistics.median(glance), 2),
        "search_keystrokes": len(prefixes),
        "search_build_s": round(build_s, 1),
    }
    close_store()
    return figures


EOD_RECEIPTS = 2000
EOD_TICKETS = 500


def bench_eod(runs: int, workdir: Path) -> dict[str, float]:
    """``eod_ms``: the median time to build the end-of-day summary (F7, RULES §7) of a day
    with ``EOD_RECEIPTS`` receipts and ``EOD_TICKETS`` tickets in a store holding a year of
    such days' tickets (target ≤ 200 ms)."""
    import random
    from zoneinfo import ZoneInfo

    from .clock import FixedClock
    from .db import close_store, open_store
    from .desk.staff import create_staff
    from .models import (
        Building,
        Group,
        Payment,
        Receipt,
        ReceiptSeries,
        Ticket,
        Unit,
        database,
    )
    from .views import day_summary

    rng = random.Random(5)
    zone = ZoneInfo("Asia/Shanghai")
    now = datetime(2026, 10, 9, 9, 30, tzinfo=UTC)  # 17:30 in the office: the day's end
    open_store(str(workdir / "eod.db"), FixedClock(now))
    conn = database.obj.connection()
    conn.execute("PRAGMA synchronous=OFF")  # a throwaway file
    clerk = create_staff("clerk", "客服", "clerk", "1234", FixedClock(now), salt=bytes(16))
    cashier = create_staff("cashier", "收费", "cashier", "1234", FixedClock(now), salt=bytes(16))
    day_start = datetime(2026, 10, 9, 0, 0, tzinfo=UTC) - timedelta(hours=8)
    with database.obj.atomic():
        building = Building.create(group=Group.create(code="B", name="基准"), number="1",
                                   name="1栋", floors=30)
        Unit.insert_many([{"building": building.id, "entrance": 1, "floor": i // 10 + 1,
                           "room": f"{i:04d}", "code": f"1-1-{i:04d}", "area_centi_m2": 9000}
                          for i in range(2000)]).execute()
        unit_ids = [u for (u,) in Unit.select(Unit.id).tuples()]
        tickets = []
        for day_back in range(365, -1, -1):
            count = EOD_TICKETS if day_back == 0 else 60
            base = day_start - timedelta(days=day_back)
            for _ in range(count):
                at = base + timedelta(minutes=rng.randrange(8 * 60, 17 * 60))
                closed = at + timedelta(days=2) if day_back > 3 else None
                tickets.append({
                    "number": f"K-{len(tickets) + 1:07d}", "received_at": at,
                    "channel": rng.choice(("phone", "visit", "other_dept")),
                    "unit": rng.choice(unit_ids), "kind": rng.choice(("complaint", "repair")),
                    "category": rng.choice(("water", "power", "lift", "noise")), "text": "…",
                    "state": "closed" if closed else "received", "owner": clerk.id,
                    "closed_at": closed, "updated_at": at, "version": 1})
        for i in range(0, len(tickets), 5000):
            Ticket.insert_many(tickets[i:i + 5000]).execute()
        series = ReceiptSeries.create(code="2026", last_number=EOD_RECEIPTS)
        payments = [{"unit": rng.choice(unit_ids), "taken_at": day_start + timedelta(
            seconds=8 * 3600 + i * 14), "method": rng.choice(("cash", "wechat", "alipay")),
            "amount_fen": rng.randrange(1000, 200000), "cashier": cashier.id}
            for i in range(EOD_RECEIPTS)]
        Payment.insert_many(payments).execute()
        Receipt.insert_many([{"series": series.id, "number": i + 1, "issued_at": p_["taken_at"],
                              "payment": i + 1, "amount_fen": p_["amount_fen"],
                              "cashier": cashier.id} for i, p_ in enumerate(payments)]).execute()
    conn.execute("ANALYZE")
    day = (day_start + timedelta(hours=12)).astimezone(zone).date()
    summary = day_summary(day, now, zone)
    figures = {"eod_ms": _timed(lambda: day_summary(day, now, zone), runs),
               "eod_receipts": summary.receipts, "eod_tickets": summary.intake_total}
    close_store()
    return figures


PARTS: dict[str, Callable[[int, Path], dict[str, float]]] = {
    "startup": bench_startup, "engine": bench_engine, "cashier": bench_cashier,
    "search": bench_search, "eod": bench_eod,
}


def run_bench(only: str | None = None, runs: int = 5) -> dict[str, float]:
    """Run every part (or ``only`` one) in a temporary directory; returns the figures."""
    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="kfdesk-bench-") as tmp:
        for name, part in PARTS.items():
            if only in (None, name):
                figures.update(part(runs, Path(tmp)))
    return figures
