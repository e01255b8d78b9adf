"""External gateways (外部支付系统): one adapter per protocol behind the port in ``port.py``."""
