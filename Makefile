.PHONY: run test bench lint stop messages

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
