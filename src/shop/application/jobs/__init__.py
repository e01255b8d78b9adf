"""Background and scheduled work: plain job functions taking the ``Shop``, and the engines that
run them (in-process here, Celery on RabbitMQ in the presentation tier)."""
