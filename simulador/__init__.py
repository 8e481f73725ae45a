"""Simulador da API RPA externa ("Bot Phone RPA API"), contrato em docs/api-rpa.md.

Uso: ``python -m simulador`` ou, em testes, ``simulador.servidor.iniciar()``.
"""
