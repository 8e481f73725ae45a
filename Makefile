# Dois comandos para quem chega: `make run` (o app inteiro, com dados de demonstração) e `make test`.
VENV ?= .venv
BIN := $(VENV)/bin
PYTHON ?= python3
export PATH := $(abspath $(BIN)):$(PATH)
PG_URL ?= postgres://postgres@127.0.0.1:5432/test
PORT ?= 5050

.PHONY: install run test test-rapido test-navegador test-pg lint format bench clean

$(BIN)/.instalado: requirements/dev.txt
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ é necessário"'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements/dev.txt
	touch $@

install: $(BIN)/.instalado

## O app inteiro em desenvolvimento: web (ASGI, porta 5050), worker e simulador da API RPA, em SQLite.
run: install
	DEBUG=true $(BIN)/python manage.py migrate --noinput
	DEBUG=true $(BIN)/python manage.py demo
	DEBUG=true PORT=$(PORT) BRM_TOKEN_PASSWORD=$${BRM_TOKEN_PASSWORD:-brm-dev-refresh} \
		PROCESSO_API_URL=http://127.0.0.1:$(PORT) $(BIN)/honcho start -f Procfile.dev

## A suíte inteira em SQLite (o que o README manda rodar).
test: install
	$(BIN)/pytest

## Em cerca de um minuto: sem os de navegador e sem os lentos (processos reais, propriedades,
## carga); `make test` e o CI rodam todos. E só os de navegador (Chromium do Debian + Playwright).
test-rapido: install
	$(BIN)/pytest -m "not browser and not lento"

test-navegador: install
	$(BIN)/pytest -m browser

## A mesma suíte no PostgreSQL (127.0.0.1:5432, usuário postgres).
test-pg: install
	DATABASE_URL=$(PG_URL) $(BIN)/pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## Benchmarks (imprimem tabelas): em SQLite e no PostgreSQL local (banco brm_bench).
bench: install
	$(BIN)/python -m bench
	dropdb -h 127.0.0.1 -U postgres --if-exists brm_bench
	createdb -h 127.0.0.1 -U postgres brm_bench
	BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/brm_bench $(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache db-test.sqlite3* .testes-media
