"""Simulador da API RPA externa ("Bot Phone RPA API"), contrato em shared/RPA-API.md.

Uso: ``python -m simulador`` ou, em testes, ``simulador.servidor.iniciar()``.
"""
