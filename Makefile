# The two commands of the README:
#   make run   installs everything and runs the whole system on embedded defaults
#   make test  installs everything and runs every test (what CI runs, through .ci/run)
# Without DATABASE_URL both start a throwaway PostgreSQL of their own and stop it afterwards.

SHELL := /bin/bash
# uv may not be on PATH yet (the `uv` target pip-installs it): resolve its absolute path on each use, so
# commands that run inside the project's virtual environment (whose python has no uv module) still find it.
UV = $(shell command -v uv 2>/dev/null || python3 -c 'import uv; print(uv.find_uv_bin())' 2>/dev/null)

.PHONY: run test install lint uv frontend frontend-test e2e

uv:
	@command -v uv >/dev/null 2>&1 || python3 -c 'import uv' 2>/dev/null || python3 -m pip install --quiet uv

install: uv
	$(UV) sync --all-packages --frozen

lint: install
	$(UV) run ruff check .
	$(UV) run ruff format --check .

run: install
	$(UV) run python -m bachata.tools.run_local

# The web app: npm ci when the lock file changed, vite build when the sources changed (as make run does).
frontend: install
	$(UV) run python -m bachata.tools.run_local --build-only

# eslint + vitest, then the size budget on the build (fails the test command when over).
frontend-test: frontend
	cd frontend && npx eslint . && npx vitest run
	node bench/spa_bench.js --sizes --check

# Browser flows in Debian's Chromium against the real API, job and a throwaway PostgreSQL.
e2e: frontend
	node frontend/e2e/run.js

test: lint frontend-test
	$(UV) run python -m bachata.tools.ephemeral_postgres -- $(UV) run pytest
	$(MAKE) --no-print-directory e2e
