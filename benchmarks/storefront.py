"""Storefront throughput and latency as the catalog grows, against a bare WSGI ceiling.

The catalog keeps a listing index so that a category page reads one index range whatever the
catalog's size (see ``shop.data.models.catalog``). This benchmark checks that promise end to end:
it loads N demo products into a throwaway SQLite database, serves the real app with waitress on
127.0.0.1, and measures requests/second and p50/p99 latency of the storefront pages at each N,
next to a hello-world WSGI app served with the same waitress settings (the most any page could
reach on this machine). ``--profile`` then renders each page in-process to show where its time
goes (SQL, templates, Python) and which statement is the slowest.

    .venv/bin/python benchmarks/storefront.py                    # N = 10,000 and 100,000
    .venv/bin/python benchmarks/storefront.py --products 10000 --duration 3 --profile

Exit status 1 means a target was missed (see ``--help`` and benchmarks/README.md).
"""

from __future__ import annotations

import argparse
import cProfile
import http.client
import importlib.util
import json
import math
import os
import platform
import pstats
import re
import select
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import waitress
from sqlalchemy import create_engine, event
from webob import Request

# Imported once, up front: the tree may change during a long run, and one process must not mix
# two versions of the shop.
from shop.application import Shop
from shop.presentation import make_app
from shop.presentation.cli import ProgressBar

HOST = "127.0.0.1"
#: wrk's own threads; two is all a 2-core machine can spare beside the server.
WRK_THREADS = 2
#: Latencies above this count as wrk errors instead of samples, so keep it far above any page.
WRK_TIMEOUT_S = 30
#: Upper bound on the Python client's requests per measurement, whatever the duration.
PYTHON_CLIENT_MAX_REQUESTS = 1_000_000
SERVER_START_TIMEOUT_S = 60.0
#: A server is idle when it used less CPU than this in a quarter second; wait at most so long.
IDLE_CPU_S = 0.02
IDLE_TIMEOUT_S = 120.0

#: Targets from the issue.
MAX_P50_GROWTH = 1.5
MIN_CEILING_SHARE = 0.05

#: Profile categories, by the package a function's code lives in (its self time is counted).
PROFILE_PACKAGES = {
    "SQLAlchemy": ("sqlalchemy",),
    "Jinja2": ("jinja2", "markupsafe", "pyramid_jinja2"),
    "shop": ("shop",),
    "Pyramid": ("pyramid", "pyramid_tm", "pyramid_retry", "webob", "transaction", "zope",
                "colander", "translationstring", "venusian"),
}
PROFILE_COLUMNS = ("sqlite3", "SQLAlchemy", "Jinja2", "shop", "Pyramid", "other")
#: A statement is shown with its query plan when it takes at least this share of its page.
PLAN_SHARE = 0.2
PLAN_LINES = 24


@dataclass(frozen=True)
class Page:
    name: str
    path: str
    is_category: bool = False
    #: Listing pages must show product cards, or a "fast" empty page would pass unnoticed.
    lists_products: bool = False


def storefront_pages(product_slug: str) -> tuple[Page, ...]:
    """The pages the issue names; clothing is the largest top-level category of the demo."""
    return (
        Page("home", "/", lists_products=True),
        Page("category", "/c/clothing", is_category=True, lists_products=True),
        Page("category, page 50", "/c/clothing?page=50", is_category=True, lists_products=True),
        Page("category, filtered", "/c/clothing?brand=qingmu&color=red", is_category=True,
             lists_products=True),
        Page("leaf category", "/c/men-jeans", is_category=True, lists_products=True),
        Page("product", f"/p/{product_slug}"),
    )


@dataclass
class Measurement:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int
    #: The server process's CPU time per completed request: what a page costs the server, less
    #: sensitive to the client than latency is. Slightly high for a slow page: it includes the
    #: work on the requests still in flight when the run ends.
    server_cpu_ms: float = math.nan


@dataclass(frozen=True)
class Server:
    url: str
    pid: int


# -- the servers ---------------------------------------------------------------------------------


def hello_world(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    """The ceiling: a WSGI app that does nothing but answer."""
    body = b"Hello, world!\n"
    start_response("200 OK", [("Content-Type", "text/plain"),
                              ("Content-Length", str(len(body)))])
    return [body]


def shop_settings(database_url: str) -> dict[str, str]:
    """Production-like settings: no template reloading, no debug output."""
    return {
        "sqlalchemy.url": database_url,
        "shop.default_locale": "zh_CN",
        "pyramid.default_locale_name": "zh_CN",
        "pyramid.reload_templates": "false",
        "shop.secure_cookies": "false",
    }


def serve(app_name: str, threads: int, database_url: str | None) -> None:
    """Child process: serve one app on a free port and print the port on stdout.

    Both apps get the same waitress settings, so the hello-world ceiling is a fair comparison.

    ``make_app`` rather than the paste entry point, which would let SHOP_DATABASE_URL from the
    environment replace the throwaway database.
    """
    app = hello_world if app_name == "hello" else make_app(shop_settings(str(database_url)))
    server = waitress.create_server(app, host=HOST, port=0, threads=threads)
    print(server.effective_port, flush=True)
    server.run()


@contextmanager
def running_server(app_name: str, log_path: Path, threads: int,
                   database_url: str | None = None) -> Iterator[Server]:
    """Start ``serve`` in a child process and yield it; stop it however the block ends."""
    command = [sys.executable, str(Path(__file__).resolve()), "--serve", app_name,
               "--server-threads", str(threads)]
    if database_url:
        command += ["--database-url", database_url]
    with log_path.open("wb") as log:
        child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=log)
        try:
            base_url = f"http://{HOST}:{_read_port(child, log_path)}"
            _wait_until_answering(base_url)
            yield Server(base_url, child.pid)
        finally:
            child.terminate()
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
            if child.stdout:
                child.stdout.close()


def _read_port(child: subprocess.Popen[bytes], log_path: Path) -> int:
    assert child.stdout is not None
    ready, _, _ = select.select([child.stdout], [], [], SERVER_START_TIMEOUT_S)
    line = child.stdout.readline() if ready else b""
    if not line.strip().isdigit():
        log = log_path.read_text(errors="replace")[-3000:]
        raise RuntimeError(f"the server did not start; its log ends:\n{log}")
    return int(line)


def _wait_until_answering(base_url: str) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    for _ in range(int(SERVER_START_TIMEOUT_S * 10)):
        try:
            fetch(base_url + "/")
            return
        except (OSError, http.client.HTTPException):
            if time.monotonic() > deadline:
                break
            time.sleep(0.1)
    raise RuntimeError(f"{base_url} did not answer within {SERVER_START_TIMEOUT_S:.0f} s")


def fetch(url: str) -> tuple[int, bytes]:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.request("GET", parts.path + (f"?{parts.query}" if parts.query else ""))
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


# -- the load generators ------------------------------------------------------------------------


class Wrk:
    """wrk: a C load generator with an HDR histogram, so the latency percentiles are exact."""

    name = "wrk"
    caveat = ""

    def __init__(self, connections: int) -> None:
        self.connections = connections

    def measure(self, url: str, seconds: int) -> Measurement:
        threads = min(WRK_THREADS, self.connections)
        output = subprocess.run(
            ["wrk", f"-t{threads}", f"-c{self.connections}", f"-d{seconds}s",
             f"--timeout={WRK_TIMEOUT_S}s", "--latency", url],
            capture_output=True, text=True, check=True, timeout=seconds + WRK_TIMEOUT_S + 30,
        ).stdout
        return parse_wrk(output)


_WRK_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def parse_wrk(output: str) -> Measurement:
    def number(pattern: str) -> re.Match[str]:
        match = re.search(pattern, output, re.MULTILINE)
        if match is None:
            raise RuntimeError(f"unexpected wrk output (no {pattern!r}):\n{output}")
        return match

    def percentile_ms(label: str) -> float:
        match = number(rf"^\s+{label}%\s+([\d.]+)(us|ms|s|m)\s*$")
        return float(match[1]) * _WRK_UNITS_MS[match[2]]

    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", output))
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)",
                       output)
    if socket:
        errors += sum(int(n) for n in socket.groups())
    return Measurement(
        requests_per_second=float(number(r"^Requests/sec:\s+([\d.]+)")[1]),
        p50_ms=percentile_ms("50"), p99_ms=percentile_ms("99"),
        requests=int(number(r"^\s+(\d+) requests in")[1]), errors=errors,
    )


class PythonClient:
    """The fallback when wrk is missing: threads with keep-alive http.client connections.

    It shares the machine's two cores with the server and its threads share one GIL, so it
    cannot drive a fast server as hard as wrk can: the hello-world ceiling comes out low, which
    flatters every page's share of it, and the latencies include the client's own queueing.
    """

    name = "python http.client"
    caveat = ("the Python client measures less precisely than wrk: it cannot saturate the "
              "hello-world server, so the ceiling is understated and '% ceiling' overstated")

    def __init__(self, connections: int) -> None:
        self.connections = connections

    def measure(self, url: str, seconds: int) -> Measurement:
        parts = urlsplit(url)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        cap = PYTHON_CLIENT_MAX_REQUESTS // self.connections
        latencies: list[list[float]] = [[] for _ in range(self.connections)]
        errors = [0] * self.connections
        started = time.perf_counter()
        deadline = started + seconds

        def worker(index: int) -> None:
            mine = latencies[index]
            connection = http.client.HTTPConnection(parts.hostname, parts.port,
                                                    timeout=WRK_TIMEOUT_S)
            try:
                while len(mine) < cap and time.perf_counter() < deadline:
                    sent = time.perf_counter()
                    connection.request("GET", target)
                    response = connection.getresponse()
                    response.read()
                    mine.append(time.perf_counter() - sent)
                    errors[index] += response.status != 200
            except (OSError, http.client.HTTPException):
                errors[index] += 1
            finally:
                connection.close()

        workers = [threading.Thread(target=worker, args=(i,), daemon=True)
                   for i in range(self.connections)]
        for thread in workers:
            thread.start()
        for thread in workers:
            thread.join(timeout=seconds + WRK_TIMEOUT_S + 30)
        elapsed = time.perf_counter() - started
        samples = sorted(s for mine in latencies for s in mine)
        if not samples:
            raise RuntimeError(f"no request to {url} succeeded")
        return Measurement(
            requests_per_second=len(samples) / elapsed,
            p50_ms=_percentile(samples, 0.50) * 1000, p99_ms=_percentile(samples, 0.99) * 1000,
            requests=len(samples), errors=sum(errors),
        )


def _percentile(ordered: list[float], share: float) -> float:
    """Nearest rank, as wrk reports it."""
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def make_client(choice: str, connections: int) -> Wrk | PythonClient:
    if choice == "wrk" or (choice == "auto" and shutil.which("wrk")):
        if not shutil.which("wrk"):
            raise SystemExit("wrk is not installed (apt-get install wrk), or use --client python")
        return Wrk(connections)
    return PythonClient(connections)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far, from Linux's /proc (NaN elsewhere)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return math.nan
    fields = stat.rsplit(")", 1)[1].split()  # after "pid (command)": state is fields[0]
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_until_idle(server: Server) -> None:
    """Let the server finish the requests a client gave up on, so they slow nothing after.

    wrk stops with a request in flight on every connection; on a slow page that is seconds of
    work the server still does, which would otherwise land on the next measurement.
    """
    deadline = time.monotonic() + IDLE_TIMEOUT_S
    last = cpu_seconds(server.pid)
    while not math.isnan(last) and time.monotonic() < deadline:
        time.sleep(0.25)
        now = cpu_seconds(server.pid)
        if now - last < IDLE_CPU_S:
            return
        last = now


def measure_page(client: Wrk | PythonClient, server: Server, page: Page, warmup: int,
                 duration: int, label: str = "") -> Measurement:
    """Check the page renders, warm it up, then measure it."""
    url = server.url + page.path
    status, body = fetch(url)
    if status != 200:
        raise RuntimeError(f"{page.path} answered {status}")
    if page.lists_products and b'href="/p/' not in body:
        # Page 50 of clothing needs about 7,000 products in the demo catalog.
        raise RuntimeError(f"{page.path} lists no product (is N too small for it?); "
                           "measuring an empty page would flatter the shop")
    if warmup:
        client.measure(url, warmup)
        wait_until_idle(server)
    cpu_before = cpu_seconds(server.pid)
    measured = client.measure(url, duration)
    cpu_used = cpu_seconds(server.pid) - cpu_before
    wait_until_idle(server)
    if not measured.requests:
        raise RuntimeError(f"{page.path}: no request completed in {duration} s; "
                           "give it a longer --duration")
    measured.server_cpu_ms = cpu_used * 1000 / measured.requests
    print(f"{label:<12} {page.name:<20} {measured.requests_per_second:>9,.1f} req/s  "
          f"p50 {measured.p50_ms:8.2f} ms  p99 {measured.p99_ms:8.2f} ms  "
          f"server CPU {measured.server_cpu_ms:.2f} ms/req"
          + (f"  {measured.errors} errors" if measured.errors else ""), file=sys.stderr)
    return measured


# -- the catalog ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Catalog:
    """A throwaway shop holding the demo catalog of ``products`` products."""

    products: int
    database_url: str
    pages: tuple[Page, ...]


def load_catalog(products: int, directory: Path) -> Catalog:
    """Migrate a new SQLite database in ``directory`` and load the demo catalog into it."""
    database_url = f"sqlite:///{directory / 'shop.sqlite'}"
    print(f"N = {products:,}: loading the demo catalog", file=sys.stderr)
    started = time.monotonic()
    shop = Shop.from_settings(shop_settings(database_url))
    try:
        shop.upgrade_database()
        with shop.transaction(actor=shop.system_actor("benchmark")) as tx:
            tx.demo.load(products, progress=ProgressBar())
        with shop.transaction(writes=False) as tx:
            best_seller = tx.catalog.home_page().best_sellers[0].slug
    finally:
        # Closing the last connection checkpoints the WAL, so the server reads the main file.
        shop.dispose()
    print(f"  loaded in {time.monotonic() - started:.0f} s", file=sys.stderr)
    return Catalog(products, database_url, storefront_pages(best_seller))


# -- the profile ----------------------------------------------------------------------------------


@dataclass
class Statement:
    sql: str
    #: Database time of this statement per request: executions per request x one re-run alone.
    ms_per_request: float
    plan: list[str] = field(default_factory=list)


@dataclass
class PageProfile:
    ms_per_request: float
    statements_per_request: float
    sql_ms_per_request: float
    #: Share of profiled self time per PROFILE_COLUMNS entry, in percent.
    shares: dict[str, float]
    slowest: Statement | None


class StatementLog:
    """Counts the statements the engine sends, as the tests count them, and prices each one.

    Transaction control (BEGIN, COMMIT, savepoints) is not counted. A statement's database time
    is measured by re-running it alone with the parameters it was last sent, rows fetched:
    timing the cursor's execute in the request would miss the rows SQLite computes while they
    are fetched, and timing the fetch would charge SQLAlchemy's row processing to SQLite.
    """

    CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")

    def __init__(self, engine: Any) -> None:
        # Re-runs go through an engine of their own, so they are not counted themselves.
        self.rerun_engine = create_engine(engine.url)
        self.executions: dict[str, int] = {}
        self.parameters: dict[str, Any] = {}
        event.listen(engine, "before_cursor_execute", self._record)

    def reset(self) -> None:
        self.executions.clear()
        self.parameters.clear()

    def _record(self, conn: Any, cursor: Any, statement: str, parameters: Any, context: Any,
                executemany: bool) -> None:
        if not statement.lstrip().upper().startswith(self.CONTROL):
            self.executions[statement] = self.executions.get(statement, 0) + 1
            self.parameters[statement] = parameters

    def priced(self, requests: int) -> list[Statement]:
        """Every SELECT seen, with its database time per request, the costliest first."""
        statements = [
            Statement(" ".join(sql.split()), count / requests * self._seconds(sql) * 1000)
            for sql, count in self.executions.items()
            if sql.lstrip().upper().startswith(("SELECT", "WITH"))
        ]
        return sorted(statements, key=lambda statement: -statement.ms_per_request)

    def _seconds(self, sql: str) -> float:
        timings = []
        with self.rerun_engine.connect() as connection:
            for _ in range(3):
                started = time.perf_counter()
                connection.exec_driver_sql(sql, self.parameters[sql]).all()
                timings.append(time.perf_counter() - started)
        return statistics.median(timings)

    def query_plan(self, statement: Statement) -> list[str]:
        """SQLite's EXPLAIN QUERY PLAN, indented like the sqlite3 shell prints it."""
        if self.rerun_engine.dialect.name != "sqlite":
            return []
        sql = next(s for s in self.executions if " ".join(s.split()) == statement.sql)
        with self.rerun_engine.connect() as connection:
            rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}",
                                              self.parameters[sql]).all()
        depth = {0: -1}
        lines = []
        for node, parent, _, detail in rows:
            depth[node] = depth.get(parent, -1) + 1
            lines.append("  " * depth[node] + detail)
        return lines


@contextmanager
def page_profiler(database_url: str) -> Iterator[Callable[[Page, int], PageProfile]]:
    """The app in this process, built at once; yields a function that profiles one page.

    Each page is rendered ``runs`` times, timed, then ``runs`` times under cProfile. The timed
    renders give a page's unloaded cost without HTTP and its statements. The profiled renders
    give the share of self time per package; cProfile's per-call overhead inflates the
    pure-Python shares against the C of sqlite3, so read them beside the statements' own time.
    """
    settings = shop_settings(database_url)
    shop = Shop.from_settings(settings)
    app = make_app(settings, shop=shop)
    # The engine is private to the application tier; a benchmark may look inside.
    log = StatementLog(shop._bind)
    locations = _package_locations()

    def render(path: str) -> None:
        response = Request.blank(path).get_response(app)
        if response.status_code != 200:
            raise RuntimeError(f"{path} answered {response.status}")

    def profile(page: Page, runs: int) -> PageProfile:
        render(page.path)
        log.reset()
        timings = []
        for _ in range(runs):
            started = time.perf_counter()
            render(page.path)
            timings.append(time.perf_counter() - started)
        executions = sum(log.executions.values())
        statements = log.priced(runs)
        slowest = statements[0] if statements else None
        if slowest:
            slowest.plan = log.query_plan(slowest)
        profiler = cProfile.Profile()
        for _ in range(runs):
            profiler.runcall(render, page.path)
        return PageProfile(
            ms_per_request=statistics.median(timings) * 1000,
            statements_per_request=executions / runs,
            sql_ms_per_request=sum(s.ms_per_request for s in statements),
            shares=_shares(pstats.Stats(profiler), locations), slowest=slowest,
        )

    try:
        yield profile
    finally:
        log.rerun_engine.dispose()
        shop.dispose()


def _package_locations() -> list[tuple[str, str]]:
    """(directory, category) for each package of PROFILE_PACKAGES, longest directory first."""
    found = []
    for category, names in PROFILE_PACKAGES.items():
        for name in names:
            spec = importlib.util.find_spec(name)
            for directory in (spec.submodule_search_locations or []) if spec else []:
                found.append((os.path.realpath(directory) + os.sep, category))
    return sorted(found, key=lambda item: -len(item[0]))


def _category(filename: str, function: str, locations: list[tuple[str, str]]) -> str:
    if filename == "~":  # a C function: sqlite3's cursor and connection methods among them
        return "sqlite3" if "sqlite3." in function else "other"
    if filename.endswith(".jinja2"):  # a compiled template's code keeps the template's path
        return "Jinja2"
    if f"{os.sep}sqlite3{os.sep}" in filename:
        return "sqlite3"
    real = os.path.realpath(filename)
    return next((category for directory, category in locations if real.startswith(directory)),
                "other")


def _shares(stats: pstats.Stats, locations: list[tuple[str, str]]) -> dict[str, float]:
    totals = dict.fromkeys(PROFILE_COLUMNS, 0.0)
    for (filename, _, function), (_, _, self_time, _, _) in stats.stats.items():
        totals[_category(filename, function, locations)] += self_time
    whole = sum(totals.values()) or 1.0
    return {name: 100 * seconds / whole for name, seconds in totals.items()}


# -- the run --------------------------------------------------------------------------------------


@dataclass
class CatalogResult:
    products: int
    pages: tuple[Page, ...]
    measurements: dict[str, Measurement]
    profile: dict[str, PageProfile] | None


def benchmark_catalogs(client: Wrk | PythonClient, scratch: Path, args: argparse.Namespace
                       ) -> list[CatalogResult]:
    """Load every catalog, then measure each page at every N back to back.

    All servers run at once (an idle one costs nothing), so the two measurements of a page that
    the growth target compares are seconds apart: whatever else the machine does then drifts
    less between them than it would between two whole runs minutes apart. The apps to profile
    are built up front too, so that the whole run measures one version of a tree that others
    may be editing.
    """
    catalogs = []
    for products in args.products:
        directory = scratch / f"shop-{products}"
        directory.mkdir()
        catalogs.append(load_catalog(products, directory))
    results = [CatalogResult(c.products, c.pages, {}, None) for c in catalogs]
    with ExitStack() as in_process:
        profilers = [in_process.enter_context(page_profiler(c.database_url))
                     for c in catalogs if args.profile]
        with ExitStack() as servers:
            running = [servers.enter_context(running_server(
                "shop", scratch / f"shop-{c.products}" / "server.log", args.server_threads,
                c.database_url)) for c in catalogs]
            for index in range(len(catalogs[0].pages)):
                for result, server in zip(results, running, strict=True):
                    page = result.pages[index]
                    result.measurements[page.name] = measure_page(
                        client, server, page, args.warmup, args.duration,
                        label=f"N = {result.products:,}")
        for result, profile in zip(results if args.profile else [], profilers, strict=True):
            print(f"N = {result.products:,}: profiling each page ({args.profile_runs} renders)",
                  file=sys.stderr)
            result.profile = {page.name: profile(page, args.profile_runs)
                              for page in result.pages}
    return results


@dataclass
class Report:
    """Everything measured, as printed and as written to --json."""

    client: str
    caveat: str
    connections: int
    duration_s: int
    server_threads: int
    cpus: int | None
    python: str
    #: ``git describe --dirty`` of the tree measured (others may be changing it).
    revision: str
    load_average_before: float
    ceiling: Measurement
    results: list[CatalogResult]
    #: p50 at the largest N over p50 at the smallest, per category page.
    p50_growth: dict[str, float]
    failures: list[str]


def check_targets(hello: Measurement, results: list[CatalogResult]
                  ) -> tuple[dict[str, float], list[str]]:
    """The p50 growth of each category page from the smallest to the largest N, and failures."""
    failures = []
    for result in results:
        for name, measured in result.measurements.items():
            share = measured.requests_per_second / hello.requests_per_second
            if share < MIN_CEILING_SHARE:
                failures.append(f"{name} at N = {result.products:,}: {share:.1%} of the ceiling "
                                f"(target {MIN_CEILING_SHARE:.0%})")
            if measured.errors:
                failures.append(f"{name} at N = {result.products:,}: {measured.errors} errors")
    growth = {}
    if len(results) > 1:
        small, large = results[0], results[-1]
        for page in small.pages:
            if not page.is_category:
                continue
            growth[page.name] = (large.measurements[page.name].p50_ms
                                 / small.measurements[page.name].p50_ms)
            if growth[page.name] > MAX_P50_GROWTH:
                failures.append(f"{page.name}: p50 {growth[page.name]:.2f}x from N = "
                                f"{small.products:,} to {large.products:,} "
                                f"(target {MAX_P50_GROWTH}x)")
    return growth, failures


def revision() -> str:
    described = subprocess.run(
        ["git", "describe", "--always", "--dirty"], cwd=Path(__file__).resolve().parent,
        capture_output=True, text=True, check=False, timeout=30,
    )
    return described.stdout.strip() or "unknown (not a git checkout)"


def print_report(report: Report) -> None:
    hello, results, growth = report.ceiling, report.results, report.p50_growth
    print(f"\nStorefront benchmark: {report.client}, {report.connections} connections, "
          f"{report.duration_s} s per page, waitress threads={report.server_threads}, "
          f"{report.cpus} CPUs, SQLite, Python {report.python}")
    if report.caveat:
        print(f"NOTE: {report.caveat}")
    print(f"load average before the run: {report.load_average_before:.2f} (anything else using "
          "the CPUs lowers every number)")
    print(f"code: {report.revision}")
    print(f"ceiling (bare WSGI hello-world): {hello.requests_per_second:,.0f} req/s, "
          f"p50 {hello.p50_ms:.2f} ms, p99 {hello.p99_ms:.2f} ms, "
          f"server CPU {hello.server_cpu_ms:.2f} ms/req")
    print("%ceil: share of the ceiling's req/s; CPU: server CPU ms per request")
    head = f"{'page':<20}"
    rule = " " * 20
    for result in results:
        title = f"N = {result.products:,}"
        head += f" | {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'%ceil':>6} {'CPU':>6}"
        rule += f" | {title:^40}"
    if growth:
        head += f" | {'p50 growth':>14}"
        rule += f" | {f'{results[-1].products:,}/{results[0].products:,}':>14}"
    print(f"\n{rule}\n{head}\n{'-' * len(head)}")
    for name in results[0].measurements:
        line = f"{name:<20}"
        for result in results:
            m = result.measurements[name]
            share = 100 * m.requests_per_second / hello.requests_per_second
            line += (f" | {m.requests_per_second:>8,.0f} {m.p50_ms:>8.2f} {m.p99_ms:>8.2f} "
                     f"{share:>5.1f}% {m.server_cpu_ms:>6.2f}")
        if name in growth:
            verdict = "PASS" if growth[name] <= MAX_P50_GROWTH else "FAIL"
            line += f" | {growth[name]:>8.2f}x {verdict}"
        print(line)
    print("\npaths: " + ", ".join(f"{p.name} {p.path}" for p in results[-1].pages))
    print(f"targets: category p50 growth <= {MAX_P50_GROWTH}x; every page >= "
          f"{MIN_CEILING_SHARE:.0%} of the ceiling's req/s, uncached")
    print("  " + ("\n  ".join(f"FAIL {f}" for f in report.failures) if report.failures
                  else "all PASS"))
    for result in results:
        if result.profile:
            print_profile(result)


def print_profile(result: CatalogResult) -> None:
    assert result.profile is not None
    print(f"\nprofile at N = {result.products:,}, in-process without HTTP. ms: median render; "
          "stmts: SQL statements per render; DB ms: their time re-run alone; shares: cProfile "
          "self time, which overstates pure Python against the C of sqlite3")
    groups = f"{'':<20} {'':>7} {'':>5} {'':>6} | {'SQL':^21} | {'templates':^10} | {'Python':^32}"
    head = (f"{'page':<20} {'ms':>7} {'stmts':>5} {'DB ms':>6} | {'sqlite3':>10}{'SQLAlchemy':>11}"
            f" | {'Jinja2':>10} | {'shop':>10}{'Pyramid':>11}{'other':>11}")
    print(f"{groups}\n{head}\n{'-' * len(head)}")
    for name, p in result.profile.items():
        share = {column: f"{p.shares[column]:.1f}%" for column in PROFILE_COLUMNS}
        print(f"{name:<20} {p.ms_per_request:>7.2f} {p.statements_per_request:>5.0f} "
              f"{p.sql_ms_per_request:>6.2f} | {share['sqlite3']:>10}{share['SQLAlchemy']:>11}"
              f" | {share['Jinja2']:>10} | {share['shop']:>10}{share['Pyramid']:>11}"
              f"{share['other']:>11}")
    print(f"costliest statement per page (its query plan when it is {PLAN_SHARE:.0%} of the page "
          "or more):")
    for name, p in result.profile.items():
        if p.slowest is None:
            continue
        share = p.slowest.ms_per_request / p.ms_per_request
        sql = p.slowest.sql if len(p.slowest.sql) <= 150 else p.slowest.sql[:149] + "…"
        print(f"  {name}: {p.slowest.ms_per_request:.2f} ms/render, {share:.0%}: {sql}")
        if share >= PLAN_SHARE:
            for line in p.slowest.plan[:PLAN_LINES]:
                print(f"      {line}")
            if len(p.slowest.plan) > PLAN_LINES:
                print(f"      … {len(p.slowest.plan) - PLAN_LINES} more lines in --json")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--products", type=int, nargs="+", default=[10_000, 100_000],
                        help="catalog sizes N (default: 10000 100000)")
    parser.add_argument("--duration", type=int, default=10, help="seconds per page (default 10)")
    parser.add_argument("--warmup", type=int, default=2,
                        help="seconds of discarded load per page first (default 2)")
    parser.add_argument("--connections", type=int, default=16,
                        help="concurrent keep-alive connections (default 16)")
    parser.add_argument("--server-threads", type=int, default=8,
                        help="waitress threads of both servers (default 8)")
    parser.add_argument("--client", choices=("auto", "wrk", "python"), default="auto",
                        help="load generator; auto uses wrk when installed")
    parser.add_argument("--profile", action="store_true",
                        help="also profile each page in-process and count its SQL statements")
    parser.add_argument("--profile-runs", type=int, default=20,
                        help="renders per page when profiling (default 20)")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    # The child process that serves an app: started by this script, not by people.
    parser.add_argument("--serve", choices=("hello", "shop"), help=argparse.SUPPRESS)
    parser.add_argument("--database-url", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.products = sorted(set(args.products))
    if min(*args.products, args.duration, args.connections, args.server_threads) < 1:
        parser.error("--products, --duration, --connections and --server-threads must be "
                     "positive")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.serve:
        serve(args.serve, args.server_threads, args.database_url)
        return 0
    client = make_client(args.client, args.connections)
    # A polite kill unwinds like Ctrl-C does, so the servers are stopped and the files removed.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    code, load_before = revision(), os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="shop-benchmark-") as directory:
        scratch = Path(directory)
        with running_server("hello", scratch / "hello.log", args.server_threads) as server:
            hello = measure_page(client, server, Page("hello-world", "/"), args.warmup,
                                 args.duration, label="ceiling")
        results = benchmark_catalogs(client, scratch, args)
    growth, failures = check_targets(hello, results)
    report = Report(
        client=client.name, caveat=client.caveat, connections=args.connections,
        duration_s=args.duration, server_threads=args.server_threads, cpus=os.cpu_count(),
        python=platform.python_version(), revision=code, load_average_before=load_before,
        ceiling=hello, results=results, p50_growth=growth, failures=failures,
    )
    print_report(report)
    if args.json:
        args.json.write_text(json.dumps(asdict(report), indent=2, ensure_ascii=False) + "\n")
    return 1 if failures else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit("interrupted: the servers are stopped and the throwaway databases removed")
