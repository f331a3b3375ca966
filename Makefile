VENV ?= .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app survey
POT := translations/messages.pot

.PHONY: help setup run test lint fmt i18n-extract i18n-update i18n-compile i18n-check db-check

help:  ## List the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

setup:  ## venv, editable install, catalogues, migrate, demo data
	bash scripts/setup.sh

run:  ## Serve the app at http://127.0.0.1:5000
	$(FLASK) run --host 127.0.0.1 --port 5000

test:  ## The whole test suite (installs Chromium if missing)
	bash scripts/test.sh

lint:  ## ruff
	$(VENV)/bin/ruff check .

fmt:  ## ruff format
	$(VENV)/bin/ruff format .

i18n-extract:  ## Re-extract translatable strings into translations/messages.pot
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k lazy_ngettext:1,2 \
		--add-comments=Translators: --omit-header --no-location --no-wrap --sort-output \
		-o $(POT) .

i18n-update: i18n-extract  ## Merge new strings into every .po file
	$(VENV)/bin/pybabel update -i $(POT) -d translations --no-wrap --no-fuzzy-matching

i18n-compile:  ## Build .mo files (not committed)
	$(VENV)/bin/pybabel compile -d translations --statistics

i18n-check:  ## Fail if the committed catalogue is stale
	$(MAKE) i18n-extract && git diff --exit-code $(POT)

db-check:  ## Models match the newest migration
	$(FLASK) db check
