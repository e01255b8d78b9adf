"""Promotions (商品促销) and coupons (优惠券): what an order may take off, and for whom."""
