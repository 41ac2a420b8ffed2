.PHONY: run test bench lint stop messages run-prod stop-prod bench-prod

run:  ## the whole product with demo data on http://localhost:8000/
	scripts/run.sh

test:  ## the whole test suite against real PostgreSQL and Redis
	scripts/test.sh $(ARGS)

bench:  ## benchmarks, apart from tests: writes bench/results/latest.json
	scripts/bench.sh

lint:
	.venv/bin/ruff check . && .venv/bin/ruff format --check .

messages:  ## refresh the zh_Hans and en catalogs after changing strings
	.venv/bin/python manage.py makemessages -l zh_Hans -l en --ignore=.venv --ignore=var --ignore=bench --no-obsolete

stop:  ## stop the project-local PostgreSQL and Redis
	scripts/services.sh stop

run-prod:  ## production settings behind nginx on https://localhost:8443/ (WEB_NODES=2: two web nodes)
	scripts/run-prod.sh start

stop-prod:  ## stop what run-prod started (PostgreSQL and Redis keep running)
	scripts/run-prod.sh stop

bench-prod:  ## scripts/check-prod.sh, then wrk against the run-prod stack: bench/results/prod.json
	scripts/bench-prod.sh
