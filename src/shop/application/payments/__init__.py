"""Payments (支付系统): the internal means (balance, points, gift cards), the gateways (Alipay,
WeChat Pay, UnionPay), split tender, refunds and the ledger finance reads."""
