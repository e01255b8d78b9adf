"""The cart (购物车): what a shopper or a guest means to buy, at today's price and stock."""
