"""``shop-admin INI staff ...``: staff accounts from the console, for the first administrator of a
real deployment and for the local demo.

    shop-admin production.ini staff create --username alice --email alice@example.com \\
        --role administrator [--name "Alice"] [--password-stdin]
    shop-admin development.ini staff demo-admin
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from shop.application import Invalid, Shop
from shop.application.staff.service import DEMO_ADMIN


def _read_password(args: argparse.Namespace) -> str:
    """From stdin (one line) with --password-stdin, else asked twice without echo."""
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password for the new staff member: ")
    if getpass.getpass("Again: ") != first:
        raise Invalid({"password": "the two passwords differ"})
    return first


def staff_create(shop: Shop, args: argparse.Namespace) -> int:
    data: dict[str, Any] = {"username": args.username, "email": args.email,
                            "name": args.name or args.username, "roles": args.role,
                            "password": _read_password(args)}
    with shop.transaction(actor=shop.system_actor("shop-admin staff create")) as tx:
        created = tx.staff.create_staff(data)
    roles = ", ".join(created.role_codes) or "no roles"
    print(f"staff member {created.username} created ({roles}); log in at /admin/login")
    return 0


def staff_demo_admin(shop: Shop, args: argparse.Namespace) -> int:
    with shop.transaction(actor=shop.system_actor("shop-admin demo")) as tx:
        made = tx.staff.ensure_demo_administrator()
    if made:
        print(f"demo administrator created: {DEMO_ADMIN['username']} / {DEMO_ADMIN['password']} "
              "(local demo only) at http://localhost:6543/admin")
    else:
        print(f"staff member {DEMO_ADMIN['username']} exists; demo administrator not created")
    return 0


def add_staff_commands(areas: Any) -> None:
    staff = areas.add_parser("staff", help="back-office staff accounts").add_subparsers(
        dest="action", required=True)
    create = staff.add_parser("create", help="create a staff member (e.g. the first administrator)")
    create.add_argument("--username", required=True)
    create.add_argument("--email", required=True)
    create.add_argument("--name", default="", help="display name (the username if not given)")
    create.add_argument("--role", action="append", default=[],
                        help="a role code such as administrator; repeat for several")
    create.add_argument("--password-stdin", action="store_true",
                        help="read the password from standard input instead of asking")
    create.set_defaults(handler=staff_create)
    demo = staff.add_parser("demo-admin",
                            help="create the local demo's admin unless it exists")
    demo.set_defaults(handler=staff_demo_admin)
