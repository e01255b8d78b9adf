# The two commands a new user needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INI ?= development.ini

.PHONY: run test install install-test catalogs db demo lint screenshots clean jobs worker beat

run: install catalogs db demo  ## serve the demo shop on http://localhost:6543
	$(BIN)/pserve $(INI)

test: install-test catalogs  ## every check: ruff, import contract, pytest on SQLite and PostgreSQL, browser
	$(BIN)/python scripts/check.py

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip setuptools wheel

$(VENV)/.installed: $(BIN)/python setup.py
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed setup.py
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

catalogs: install  ## compile the message catalogs (the shop's, and colander's messages in zh_CN)
	$(BIN)/pybabel compile -d src/shop/presentation/locale -D shop --statistics 2>&1 | tail -n 2
	$(BIN)/pybabel compile -d src/shop/presentation/locale -D colander -l zh_CN 2>&1 | tail -n 1

extract-messages: install  ## refresh shop.pot and merge it into each catalog
	$(BIN)/pybabel extract -F babel.cfg -o src/shop/presentation/locale/shop.pot --no-location src
	$(BIN)/pybabel update -i src/shop/presentation/locale/shop.pot -d src/shop/presentation/locale -D shop --no-fuzzy-matching

db: install
	$(BIN)/shop-admin $(INI) db upgrade

demo: install
	$(BIN)/shop-admin $(INI) demo load --if-empty
	$(BIN)/shop-admin $(INI) staff demo-admin

jobs: install  ## run the jobs in this console (the embedded engine); Ctrl-C stops
	$(BIN)/shop-admin $(INI) jobs run

worker: install  ## a Celery worker on RabbitMQ, e.g. `make worker INI=production.ini`
	SHOP_INI=$(INI) $(BIN)/celery -A shop.presentation.worker worker --concurrency 2

beat: install  ## Celery beat, which starts each job on its schedule (run exactly one)
	SHOP_INI=$(INI) $(BIN)/celery -A shop.presentation.worker beat

clean:
	rm -rf $(VENV) var build *.egg-info src/*.egg-info
