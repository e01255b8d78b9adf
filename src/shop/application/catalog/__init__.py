"""The catalog: categories, brands, attributes, products and SKUs, and how shoppers browse them."""
