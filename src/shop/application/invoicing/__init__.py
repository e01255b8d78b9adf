"""Invoices (发票) asked for at checkout, and the invoice titles (发票抬头) a shopper keeps."""
