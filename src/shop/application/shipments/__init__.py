"""Shipments of orders and their tracking (物流追踪): the carrier port, its Kuaidi100 adapter and
simulator, the service and the polling job."""
