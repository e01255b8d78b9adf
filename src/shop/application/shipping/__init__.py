"""Shipping methods (配送方式): staff configure them; checkout asks for their fees."""
