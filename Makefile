# Liangcao — the two commands are `make run` and `make test` (see README).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
PYTEST_ARGS ?=
APT_GET := $(shell [ "$$(id -u)" = 0 ] && echo apt-get || echo sudo apt-get)

.PHONY: run test lint bench demo install run-deps browser-deps messages clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

var/secret_key:
	mkdir -p var
	$(PY) -c "import secrets; print(secrets.token_urlsafe(50))" > var/secret_key
	chmod 600 var/secret_key

# Serve the web app, the API and a task worker on http://127.0.0.1:8000 (SQLite under var/).
run: $(STAMP) run-deps var/secret_key
	export SECRET_KEY="$${SECRET_KEY:-$$(cat var/secret_key)}" && \
	echo "== 1/4 database: applying migrations" && \
	$(PY) manage.py migrate --noinput -v1 && \
	echo "== 2/4 demo city: loading it if the database is empty" && \
	$(PY) manage.py load_demo --if-empty && \
	echo "== 3/4 static files: collecting (the first run takes a minute)" && \
	$(PY) manage.py collectstatic --noinput -v1 && \
	echo "== 4/4 serving http://127.0.0.1:8000 (web + worker); Ctrl-C stops both" && \
	exec $(VENV)/bin/honcho -f Procfile start

# Debian packages: pango and CJK fonts render PDFs (delivery notes); chromium runs the browser
# tests. Installed only when missing.
RUN_DEBS := libpango-1.0-0 libpangoft2-1.0-0 fonts-noto-cjk
TEST_DEBS := $(RUN_DEBS) chromium
define apt_ensure
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		$(APT_GET) update -qq && DEBIAN_FRONTEND=noninteractive $(APT_GET) install -y -qq $$missing; \
	fi
endef

run-deps:
	$(call apt_ensure,$(RUN_DEBS))

browser-deps:
	$(call apt_ensure,$(TEST_DEBS))

# The whole suite, against $DATABASE_URL (default: SQLite). .ci/run also runs it on PostgreSQL.
test: $(STAMP) browser-deps
	$(PY) -m pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/mypy src
	DEBUG=1 $(PY) manage.py makemigrations --check --dry-run

bench: $(STAMP)
	@for b in $(wildcard bench/*.py); do echo "== $$b"; $(PY) $$b $(BENCH_ARGS) || exit 1; done

demo: $(STAMP) var/secret_key
	export SECRET_KEY="$${SECRET_KEY:-$$(cat var/secret_key)}" && \
	$(PY) manage.py migrate --noinput && $(PY) manage.py load_demo

# Regenerate translations after changing UI strings (needs Debian's gettext).
messages: $(STAMP)
	cd src/liangcao && DEBUG=1 ../../$(PY) ../../manage.py makemessages -l zh_Hans --no-obsolete && \
	DEBUG=1 ../../$(PY) ../../manage.py compilemessages -l zh_Hans

clean:
	rm -rf $(VENV) var/static
