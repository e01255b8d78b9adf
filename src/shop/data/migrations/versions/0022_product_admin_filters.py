"""product admin filters: indexes for the back office's product list, search and export

The product list (商品列表) is keyset-paged by (key, id) for each sort it offers and filtered
by category (with the categories under it), brand, state, price range and a search; at 100,000
products and more each needs an index that yields rows in the list's order, or the database
sorts every match before it can show the first 50:

- ``ix_product_name_zh_id``: sorted by name, keyset on (name_zh, id);
- ``ix_product_price_id``: sorted by price either way, and a price range;
- ``ix_product_category_id_id`` and ``ix_product_brand_id_id``: a category's (or brand's)
  products newest first straight from the index (PostgreSQL's single-column indexes hold equal
  keys in heap order, not id order);
- ``ix_product_slug_pattern`` and ``ix_sku_code_pattern``: the search by slug or SKU code
  prefix. On PostgreSQL they use the ``text_pattern_ops`` operator class, for ``LIKE 'x%'``,
  which the unique btrees serve only under the C collation; on SQLite (where the search
  compares a range, which the unique indexes serve) they are plain copies, kept so that one
  schema describes both databases.

"Newest" is the primary key's order; published and hidden products are found by walking it (98%
and 2% of a catalog like the demo's), scheduled ones by ``ix_product_publish_at``.

Revision ID: 0022_product_admin_filters
Revises: 0021_order_admin
Create Date: 2026-12-02 12:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0022_product_admin_filters'
down_revision: str | None = '0021_order_admin'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('product', schema=None) as batch_op:
        batch_op.create_index('ix_product_name_zh_id', ['name_zh', 'id'], unique=False)
        batch_op.create_index('ix_product_price_id', ['price', 'id'], unique=False)
        batch_op.create_index('ix_product_category_id_id', ['category_id', 'id'], unique=False)
        batch_op.create_index('ix_product_brand_id_id', ['brand_id', 'id'], unique=False)
    op.create_index('ix_product_slug_pattern', 'product', ['slug'], unique=False,
                    postgresql_ops={'slug': 'text_pattern_ops'})
    op.create_index('ix_sku_code_pattern', 'sku', ['code'], unique=False,
                    postgresql_ops={'code': 'text_pattern_ops'})


def downgrade() -> None:
    op.drop_index('ix_sku_code_pattern', table_name='sku')
    op.drop_index('ix_product_slug_pattern', table_name='product')
    with op.batch_alter_table('product', schema=None) as batch_op:
        batch_op.drop_index('ix_product_brand_id_id')
        batch_op.drop_index('ix_product_category_id_id')
        batch_op.drop_index('ix_product_price_id')
        batch_op.drop_index('ix_product_name_zh_id')
