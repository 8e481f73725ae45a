"""Rotas de controle ``/__simulador/`` (sem token; não existem na API real). Ver README.md."""

from collections.abc import Callable

from simulador.falhas import FORMAS_RESULTADO, MODOS_HTTP, FalhaHttp, ResultadoForcado
from simulador.jobs import COMPLETED, FAILED
from simulador.protocolo import Contexto, Pedido, Resposta, detalhe, ler_json, resposta_json

PREFIXO = "/__simulador/"


class PedidoInvalido(Exception):
    pass


def estado(ctx: Contexto, dados: dict) -> dict:
    return {
        **ctx.controles.estado(),
        **ctx.motor.contagens(),
        **ctx.motor.simultaneidade(),
        "conexoes_eventos": ctx.central.conectados(),
        "operadoras": list(ctx.config.operadoras),
    }


def reset(ctx: Contexto, dados: dict) -> dict:
    ctx.controles.reset()
    ctx.motor.zerar_picos()
    ctx.motor.acordar()
    return {"ok": True}


def falha_http(ctx: Contexto, dados: dict) -> dict:
    modo = dados.get("modo")
    if modo not in MODOS_HTTP:
        raise PedidoInvalido(f"modo deve ser um de: {', '.join(MODOS_HTTP)}")
    prefixo = dados.get("prefixo") or ""
    if not isinstance(prefixo, str):
        raise PedidoInvalido("prefixo deve ser texto")
    falha = FalhaHttp(
        modo=modo,
        restantes=_inteiro(dados, "quantidade", padrao=1, minimo=1),
        prefixo=prefixo,
        segundos=_numero(dados, "segundos", padrao=10.0),
        processar=_booleano(dados, "processar", padrao=False),
        taxa=_numero(dados, "taxa", padrao=1.0),
    )
    if not 0 < falha.taxa <= 1:
        raise PedidoInvalido("taxa deve estar entre 0 (exclusive) e 1")
    if modo == "corpo":
        if "corpo" not in dados:
            raise PedidoInvalido("corpo é obrigatório no modo corpo (qualquer valor JSON)")
        falha.corpo = dados["corpo"]
        falha.status = _status_http(dados)
    ctx.controles.adicionar_falha_http(falha)
    return {"ok": True}


def falha_resultado(ctx: Contexto, dados: dict) -> dict:
    operadora = dados.get("operadora")
    if operadora is not None and (not isinstance(operadora, str) or not operadora.strip()):
        raise PedidoInvalido("operadora deve ser texto não vazio (ou omitida: qualquer uma)")
    regra = ResultadoForcado(
        restantes=_inteiro(dados, "quantidade", padrao=1, minimo=1),
        operadora=operadora.strip().upper() if operadora else None,
        substituir_resultado="resultado" in dados,
        resultado=dados.get("resultado"),
        pdf_cnpj=_texto_livre(dados, "pdf_cnpj"),
        pdf_filtro=_texto_livre(dados, "pdf_filtro"),
        pdf=_booleano(dados, "pdf", padrao=True),
    )
    ctx.controles.adicionar_resultado_forcado(regra)
    return {"ok": True}


def falha_eventos(ctx: Contexto, dados: dict) -> dict:
    if dados.get("cortar_apos") is None:
        ctx.controles.cortar_eventos_apos = None
    else:
        ctx.controles.cortar_eventos_apos = _inteiro(dados, "cortar_apos", padrao=0, minimo=1)
    return {"ok": True}


def falha_job(ctx: Contexto, dados: dict) -> Resposta | dict:
    job_id = dados.get("job_id")
    if not isinstance(job_id, str) or not job_id:
        raise PedidoInvalido("job_id é obrigatório")
    situacao = ctx.motor.situacao(job_id)
    if situacao is None:
        return detalhe(404, f"Job '{job_id}' não encontrado")
    if situacao in (COMPLETED, FAILED):
        return detalhe(409, f"Job '{job_id}' já terminou com status {situacao}")
    ctx.controles.marcar_job(job_id, _texto_opcional(dados, "erro"))
    return {"ok": True}


def falha_log(ctx: Contexto, dados: dict) -> Resposta | dict:
    job_id = dados.get("job_id")
    if not isinstance(job_id, str) or not job_id:
        raise PedidoInvalido("job_id é obrigatório")
    mensagem = dados.get("mensagem")
    if not isinstance(mensagem, str):
        raise PedidoInvalido("mensagem é obrigatória e deve ser texto")
    nivel = dados.get("nivel", "INFO")
    if not isinstance(nivel, str) or not nivel:
        raise PedidoInvalido("nivel deve ser texto não vazio (DEBUG, INFO, WARN, ERROR)")
    situacao = ctx.motor.registrar_log(job_id, nivel, mensagem)
    if situacao is None:
        return detalhe(404, f"Job '{job_id}' não encontrado")
    if situacao in (COMPLETED, FAILED):
        return detalhe(409, f"Job '{job_id}' já terminou com status {situacao}")
    return {"ok": True}


def falha_proximos_jobs(ctx: Contexto, dados: dict) -> dict:
    quantidade = _inteiro(dados, "quantidade", padrao=1, minimo=0)
    ctx.controles.falhar_proximos(quantidade, _texto_opcional(dados, "erro"))
    return {"ok": True}


def token(ctx: Contexto, dados: dict) -> dict:
    ctx.controles.token_expirado = _booleano(dados, "expirado", padrao=True)
    return {"ok": True}


def ajustes(ctx: Contexto, dados: dict) -> dict:
    controles = ctx.controles
    if "forma_resultado" in dados:
        forma = dados["forma_resultado"]
        if forma is not None and forma not in FORMAS_RESULTADO:
            raise PedidoInvalido(
                f"forma_resultado deve ser null ou um de: {', '.join(FORMAS_RESULTADO)}"
            )
        controles.forma_resultado = forma
    if "taxa_falha" in dados:
        taxa = _numero(dados, "taxa_falha", padrao=0.0)
        if not 0 <= taxa <= 1:
            raise PedidoInvalido("taxa_falha deve estar entre 0 e 1")
        controles.taxa_falha = taxa
    if "velocidade" in dados:
        velocidade = _numero(dados, "velocidade", padrao=1.0)
        if velocidade <= 0:
            raise PedidoInvalido("velocidade deve ser maior que zero")
        controles.velocidade = velocidade
    if "pausado" in dados:
        controles.pausado = _booleano(dados, "pausado", padrao=False)
    ctx.motor.acordar()
    return {"ok": True}


def purgar(ctx: Contexto, dados: dict) -> dict:
    return {"removidos": ctx.motor.purgar()}


def envelhecer(ctx: Contexto, dados: dict) -> dict:
    if "horas" not in dados:
        raise PedidoInvalido("horas é obrigatório")
    horas = _numero(dados, "horas", padrao=0.0)
    return {"envelhecidos": ctx.motor.envelhecer(horas)}


ROTAS: dict[tuple[str, str], Callable[[Contexto, dict], Resposta | dict]] = {
    ("GET", "estado"): estado,
    ("POST", "reset"): reset,
    ("POST", "falhas/http"): falha_http,
    ("POST", "falhas/eventos"): falha_eventos,
    ("POST", "falhas/job"): falha_job,
    ("POST", "falhas/log"): falha_log,
    ("POST", "falhas/resultado"): falha_resultado,
    ("POST", "falhas/proximos-jobs"): falha_proximos_jobs,
    ("POST", "token"): token,
    ("POST", "ajustes"): ajustes,
    ("POST", "purgar"): purgar,
    ("POST", "envelhecer"): envelhecer,
}


def atender(ctx: Contexto, pedido: Pedido) -> Resposta:
    nome = pedido.caminho.removeprefix(PREFIXO).strip("/")
    rota = ROTAS.get((pedido.metodo, nome))
    if rota is None:
        return detalhe(404, f"Controle '{nome}' não existe para {pedido.metodo}")
    dados = ler_json(pedido.corpo) if pedido.corpo.strip() else {}
    if not isinstance(dados, dict):
        return detalhe(400, "O corpo deve ser um objeto JSON")
    try:
        resultado = rota(ctx, dados)
    except PedidoInvalido as erro:
        return detalhe(400, str(erro))
    return resultado if isinstance(resultado, Resposta) else resposta_json(200, resultado)


def _inteiro(dados: dict, campo: str, *, padrao: int, minimo: int) -> int:
    valor = dados.get(campo, padrao)
    if isinstance(valor, bool) or not isinstance(valor, int) or valor < minimo:
        raise PedidoInvalido(f"{campo} deve ser um inteiro maior ou igual a {minimo}")
    return valor


def _numero(dados: dict, campo: str, *, padrao: float) -> float:
    valor = dados.get(campo, padrao)
    if isinstance(valor, bool) or not isinstance(valor, int | float) or valor < 0:
        raise PedidoInvalido(f"{campo} deve ser um número não negativo")
    return float(valor)


def _booleano(dados: dict, campo: str, *, padrao: bool) -> bool:
    valor = dados.get(campo, padrao)
    if not isinstance(valor, bool):
        raise PedidoInvalido(f"{campo} deve ser true ou false")
    return valor


def _texto_opcional(dados: dict, campo: str) -> str | None:
    valor = dados.get(campo)
    if valor is not None and not isinstance(valor, str):
        raise PedidoInvalido(f"{campo} deve ser texto")
    return valor or None


def _texto_livre(dados: dict, campo: str) -> str | None:
    """Texto qualquer, inclusive vazio ou com caracteres de controle; None se omitido ou null."""
    valor = dados.get(campo)
    if valor is not None and not isinstance(valor, str):
        raise PedidoInvalido(f"{campo} deve ser texto")
    return valor


def _status_http(dados: dict) -> int:
    # 204 e 304 não levam corpo: o corpo sobraria na conexão e estragaria a resposta seguinte.
    valor = dados.get("status", 200)
    if (
        isinstance(valor, bool)
        or not isinstance(valor, int)
        or not 200 <= valor <= 599
        or valor in (204, 304)
    ):
        raise PedidoInvalido("status deve ser um inteiro de 200 a 599 (exceto 204 e 304)")
    return valor
