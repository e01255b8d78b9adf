"""The shopper's address book (收货地址簿)."""
