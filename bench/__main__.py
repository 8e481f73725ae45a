"""Benchmarks: `make bench` (ou `python -m bench [nome ...]`). Imprimem tabelas; não são testes."""

import sys

from bench import ambiente

BENCHMARKS = {
    "criacao_mensal": "bench.criacao_mensal",
    "worker": "bench.worker",
    "streams": "bench.streams",
    "painel": "bench.painel",
    "garantias": "bench.garantias",
    "capacidade": "bench.capacidade",  # só no PostgreSQL: dois workers de verdade
    "escala": "bench.escala",  # por último: troca para o banco dele enquanto roda
}


def main(nomes: list[str]) -> None:
    ambiente.preparar()
    import importlib

    for nome in nomes or list(BENCHMARKS):
        importlib.import_module(BENCHMARKS[nome]).rodar()


if __name__ == "__main__":
    main(sys.argv[1:])
