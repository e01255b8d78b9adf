"""China's administrative divisions (GB/T 2260), bundled with the shop: no network at run time."""
