"""Every check `make test` runs, in order, with a plain summary of what ran and what was skipped.

ruff → import contract → mypy → pytest on SQLite → the database tests again on PostgreSQL (if
it answers; both on two pytest workers; a module marked ``no_database`` runs once, on SQLite,
and so do the page tests marked ``sqlite_pages``; the flash-sale lane's tests need Redis)
→ a real Celery worker on RabbitMQ against PostgreSQL, killed mid-batch (if both answer; it
starts worker processes, so it runs on its own) → browser tests (if Debian's Chromium is
installed). Under CI=true a skipped PostgreSQL, RabbitMQ, Redis or Chromium run is a failure.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
POSTGRES_URL = os.environ.get("SHOP_POSTGRES_URL",
                              "postgresql+psycopg://postgres@127.0.0.1:5432/test")
BROKER_URL = os.environ.get("SHOP_TEST_BROKER_URL", "amqp://guest:guest@127.0.0.1:5672//")
REDIS_URL = os.environ.get("SHOP_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
CHROMIUM = os.environ.get("SHOP_CHROMIUM", "/usr/bin/chromium")
IN_CI = os.environ.get("CI", "").lower() == "true"


def run(title: str, command: list[str], env: dict[str, str] | None = None) -> bool:
    print(f"\n=== {title}: {' '.join(command)}", flush=True)
    started = time.monotonic()
    result = subprocess.run(command, cwd=ROOT, env={**os.environ, **(env or {})}, check=False)
    print(f"=== {title}: {'ok' if result.returncode == 0 else 'FAILED'} "
          f"({time.monotonic() - started:.0f}s)", flush=True)
    return result.returncode == 0


def postgres_answers() -> str | None:
    """None when PostgreSQL accepts a connection, else why not."""
    try:
        import psycopg
    except ImportError as exc:
        return f"psycopg is not installed ({exc})"
    plain = POSTGRES_URL.replace("postgresql+psycopg://", "postgresql://")
    try:
        with psycopg.connect(plain, connect_timeout=3):
            return None
    except psycopg.Error as exc:
        return f"PostgreSQL at {POSTGRES_URL} does not answer ({str(exc).strip()})"


def rabbitmq_answers() -> str | None:
    """None when RabbitMQ accepts a connection, else why not."""
    try:
        import kombu
    except ImportError as exc:
        return f"kombu is not installed ({exc})"
    try:
        with kombu.Connection(BROKER_URL, connect_timeout=3) as connection:
            connection.ensure_connection(max_retries=1)
    except Exception as exc:  # any reason the broker is unreachable
        return f"RabbitMQ at {BROKER_URL} does not answer ({exc})"
    return None


def redis_answers() -> str | None:
    """None when Redis answers a PING, else why not."""
    try:
        import redis
    except ImportError as exc:
        return f"redis is not installed ({exc})"
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        return f"Redis at {REDIS_URL} does not answer ({exc})"
    return None


def main() -> int:
    results: dict[str, bool] = {}
    skipped: dict[str, str] = {}
    results["ruff"] = run("ruff", [str(BIN / "ruff"), "check", "src", "tests", "benchmarks",
                                   "scripts"])
    results["import contract"] = run("import contract", [str(BIN / "lint-imports")])
    results["mypy"] = run("mypy (strict, application tier)", [str(BIN / "mypy")])
    pytest = [str(BIN / "python"), "-m", "pytest", "-p", "no:cacheprovider"]
    why_not_redis = redis_answers()
    if why_not_redis is None:
        # The flash-sale lane's tests then fail rather than skip if Redis goes away.
        os.environ["SHOP_REQUIRE_REDIS"] = "true"
    else:
        skipped["flash-sale burst lane tests (Redis)"] = why_not_redis
    # Two workers, a test file each at a time (a module's fixtures are made once), each with
    # databases of its own. Not more: a concurrency test holds 30 of PostgreSQL's 100
    # connections, and two at once must still fit.
    parallel = ["-n", str(min(os.cpu_count() or 1, 2)), "--dist", "loadfile"]
    results["pytest (SQLite)"] = run("pytest on SQLite", [*pytest, *parallel,
                                                          "--ignore=tests/browser",
                                                          "-m", "not celery"])

    why = postgres_answers()
    if why is None:
        results["pytest (PostgreSQL)"] = run(
            "pytest on PostgreSQL",
            [*pytest, *parallel, "-m", "not celery and not no_database and not sqlite_pages",
             "tests/application", "tests/data", "tests/presentation"],
            env={"SHOP_TEST_DATABASE_URL": POSTGRES_URL})
    else:
        skipped["pytest (PostgreSQL)"] = why

    why_not_celery = why or rabbitmq_answers()
    if why_not_celery is None:
        # SHOP_REQUIRE_BROKER turns the test's own "unreachable" skip into a failure.
        results["Celery worker (RabbitMQ)"] = run(
            "Celery worker on RabbitMQ, killed mid-batch",
            [*pytest, "-m", "celery", "--ignore=tests/browser", "tests"],
            env={"SHOP_TEST_DATABASE_URL": POSTGRES_URL, "SHOP_TEST_BROKER_URL": BROKER_URL,
                 "SHOP_REQUIRE_BROKER": "true"})
    else:
        skipped["Celery worker (RabbitMQ)"] = why_not_celery

    if Path(CHROMIUM).exists():
        results["browser tests"] = run("browser tests (Chromium)", [*pytest, "tests/browser"],
                                       env={"SHOP_CHROMIUM": CHROMIUM})
    else:
        skipped["browser tests"] = f"{CHROMIUM} is not installed (apt-get install chromium)"

    print("\n=== summary")
    for name, ok in results.items():
        print(f"  {'ok     ' if ok else 'FAILED '} {name}")
    for name, reason in skipped.items():
        print(f"  {'FAILED ' if IN_CI else 'skipped'} {name}: {reason}")
    if IN_CI and skipped:
        print("  CI=true: PostgreSQL, RabbitMQ, Redis and Chromium are required, so a skip fails "
              "the run.")
    return 0 if all(results.values()) and not (IN_CI and skipped) else 1


if __name__ == "__main__":
    sys.exit(main())
