"""``shop-admin INI payments …`` and ``gift-cards issue``: finance's commands.

    shop-admin production.ini payments reconcile --gateway alipay --day 2026-12-01
    shop-admin production.ini payments refund 20261201123456789012 --amount 30.00 \\
        --reason "RMA 17" [--by alice]
    shop-admin production.ini payments send-refunds
    shop-admin production.ini gift-cards issue --name "新年礼品卡" --value 100.00 \\
        --quantity 500 --expires-on 2027-12-31 --out cards.csv [--by alice]

``reconcile`` prints the mismatches and exits 1 when there is any (for a scheduler to notice).
``gift-cards issue`` writes the codes and PINs to ``--out`` (created, never overwritten): the
shop keeps only the PINs' hashes, so that file is the only copy.
"""

from __future__ import annotations

import argparse
import csv
import os
from datetime import date
from typing import Any

from shop.application import Shop
from shop.presentation.cli_orders import operator_name


def payments_reconcile(shop: Shop, args: argparse.Namespace) -> int:
    with shop.transaction(shop.system_actor("shop-admin:reconcile")) as tx:
        report = tx.payments.reconcile(args.gateway, args.day)
    print(f"{report.gateway} {report.day}: {report.matched} matched, "
          f"{len(report.mismatches)} mismatched")
    for m in report.mismatches:
        print(f"  {m.kind} {m.number}: {m.problem} (shop {m.shop_amount}, "
              f"gateway {m.gateway_amount})")
    return 1 if report.mismatches else 0


def payments_refund(shop: Shop, args: argparse.Namespace) -> int:
    with shop.transaction(shop.system_actor(f"shop-admin:{args.by}")) as tx:
        tenders = tx.payments.refund(args.number, {"amount": args.amount,
                                                   "reason": args.reason})
    for tender in tenders:
        print(f"  {tender.method}: {tender.amount} paid, {tender.refunded} refunded")
    shop.run_job("send-refunds")
    return 0


def payments_send_refunds(shop: Shop, args: argparse.Namespace) -> int:
    counts = shop.run_job("send-refunds")
    print(", ".join(f"{key}: {value}" for key, value in counts.items()))
    return 0


def gift_cards_issue(shop: Shop, args: argparse.Namespace) -> int:
    # Exclusive creation first: a typo must not overwrite the only copy of another batch.
    with open(os.open(args.out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w",
              newline="", encoding="utf-8") as handle:
        with shop.transaction(shop.system_actor(f"shop-admin:{args.by}")) as tx:
            batch = tx.gift_cards.issue({"name": args.name, "value": args.value,
                                         "quantity": str(args.quantity),
                                         "expires_on": args.expires_on.isoformat()})
        writer = csv.writer(handle)
        writer.writerow(["code", "pin", "value", "expires_at"])
        for card in batch.cards:
            writer.writerow([card.code, card.pin, f"{batch.value:.2f}",
                             batch.expires_at.isoformat()])
    print(f"batch {batch.batch_id}: {len(batch.cards)} cards of {batch.value:.2f} "
          f"written to {args.out}")
    return 0


def add_payment_commands(areas: Any) -> None:
    payments = areas.add_parser("payments", help="payments and refunds").add_subparsers(
        dest="action", required=True)
    reconcile = payments.add_parser("reconcile", help="a day's payments against a statement")
    reconcile.add_argument("--gateway", required=True, choices=("alipay", "wechat", "unionpay"))
    reconcile.add_argument("--day", required=True, type=date.fromisoformat,
                           help="YYYY-MM-DD, in the shop's time zone")
    reconcile.set_defaults(handler=payments_reconcile)
    refund = payments.add_parser("refund", help="refund part of a paid order")
    refund.add_argument("number", metavar="ORDER_NUMBER")
    refund.add_argument("--amount", required=True)
    refund.add_argument("--reason", required=True)
    refund.add_argument("--by", default="operator", metavar="NAME", type=operator_name)
    refund.set_defaults(handler=payments_refund)
    payments.add_parser("send-refunds", help="send the gateway refunds still pending") \
        .set_defaults(handler=payments_send_refunds)

    cards = areas.add_parser("gift-cards", help="gift cards").add_subparsers(
        dest="action", required=True)
    issue = cards.add_parser("issue", help="issue a batch and write its codes and PINs")
    issue.add_argument("--name", required=True)
    issue.add_argument("--value", required=True)
    issue.add_argument("--quantity", required=True, type=int)
    issue.add_argument("--expires-on", required=True, type=date.fromisoformat)
    issue.add_argument("--out", required=True, help="a new CSV file for the codes and PINs")
    issue.add_argument("--by", default="operator", metavar="NAME", type=operator_name)
    issue.set_defaults(handler=gift_cards_issue)
