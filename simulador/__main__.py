"""``python -m simulador``: sobe o simulador da API RPA até Ctrl+C ou SIGTERM."""

import argparse
import logging
import signal
import sys
import threading

from simulador.config import (
    Configuracao,
    chave_renovacao_do_ambiente,
    operadoras_configuradas,
    processo_api_url_do_ambiente,
    segredo_do_ambiente,
)
from simulador.servidor import Simulador

logger = logging.getLogger("simulador")


def main(argv: list[str] | None = None) -> int:
    args = _argumentos().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verboso else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    config = Configuracao(
        host=args.host,
        porta=args.port,
        velocidade=args.velocidade,
        taxa_falha=args.taxa_falha,
        semente=args.semente,
        purga_horas=args.purga_horas,
        processo_api_url=args.processo_api_url or None,
        operadoras=operadoras_configuradas(args.operadoras),
        segredo=segredo_do_ambiente(),
        chave_renovacao=chave_renovacao_do_ambiente(),
    )
    try:
        simulador = Simulador(config)
    except OSError as erro:
        print(f"Não foi possível abrir {args.host}:{args.port}: {erro.strerror}", file=sys.stderr)
        return 1
    signal.signal(signal.SIGTERM, _interromper)
    simulador.iniciar()
    logger.info(
        "Simulador da API RPA em %s (velocidade %s, taxa de falha %s, operadoras %s)",
        simulador.url,
        config.velocidade,
        config.taxa_falha,
        ",".join(config.operadoras),
    )
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        logger.info("Encerrando o simulador")
    finally:
        simulador.parar()
    return 0


def _interromper(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _argumentos() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m simulador", description="Simulador da API RPA externa (Bot Phone RPA API)."
    )
    parser.add_argument("--host", default="127.0.0.1", help="endereço de escuta (padrão 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="porta (padrão 8000; 0 = livre)")
    parser.add_argument(
        "--velocidade",
        type=_positivo,
        default=1.0,
        help="multiplica a velocidade do tempo simulado (padrão 1: um job leva 10 a 20 s)",
    )
    parser.add_argument(
        "--taxa-falha", type=_fracao, default=0.1, help="fração de jobs que falham (padrão 0.1)"
    )
    parser.add_argument("--semente", type=int, help="semente para resultados reprodutíveis")
    parser.add_argument(
        "--purga-horas", type=_positivo, default=24.0, help="idade em que jobs somem (padrão 24)"
    )
    parser.add_argument(
        "--operadoras",
        help="códigos extras aceitos, separados por vírgula (ou SIMULADOR_OPERADORAS)",
    )
    parser.add_argument(
        "--processo-api-url",
        default=processo_api_url_do_ambiente(),
        help="base do callback de término (padrão PROCESSO_API_URL ou http://127.0.0.1:5050; "
        "vazio desliga)",
    )
    parser.add_argument("-v", "--verboso", action="store_true", help="registra cada requisição")
    return parser


def _positivo(texto: str) -> float:
    valor = _numero(texto)
    if valor <= 0:
        raise argparse.ArgumentTypeError("deve ser maior que zero")
    return valor


def _fracao(texto: str) -> float:
    valor = _numero(texto)
    if not 0 <= valor <= 1:
        raise argparse.ArgumentTypeError("deve estar entre 0 e 1")
    return valor


def _numero(texto: str) -> float:
    try:
        return float(texto)
    except ValueError:
        raise argparse.ArgumentTypeError(f"número inválido: {texto!r}") from None


if __name__ == "__main__":
    sys.exit(main())
