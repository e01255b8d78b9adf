"""Flash sales (秒杀) that hold a burst: thousands of buyers in the first second for a hundred
units.

The database lane is always there: an order placed at once by ``checkout.buy_now`` with the
sale's price, its quota taken by a conditional UPDATE (``make run`` sells this way). With a
Redis configured (``shop.flash_sales.redis_url``) the burst lane runs in front of it: an
atomic script takes the units from a counter in Redis and queues a ticket, so the crowd that
comes too late is refused without touching the database, and a worker writes the winners'
orders one by one through the same ``buy_now`` — whose conditional UPDATE stays the guard, so
Redis is a filter that can be lost, never the book. ``reconcile`` sets Redis's counters from
the database, puts back what failed or was lost, and closes a sale's lane when it is over.
"""
