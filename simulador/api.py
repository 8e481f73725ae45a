"""As rotas da API RPA (contrato em docs/api-rpa.md §1 e §2); o fluxo SSE fica em servidor.py."""

import logging
import posixpath
import re
from collections.abc import Callable
from urllib.parse import unquote

from simulador.pdf import fatura_pdf
from simulador.protocolo import Contexto, Pedido, Resposta, detalhe, ler_json, resposta_json
from simulador.tokens import chave_confere, emitir_token, ler_token, minutos_restantes
from simulador.validacao import CAMPOS_DOWNLOAD, CAMPOS_SAT, validar

logger = logging.getLogger(__name__)

Rota = Callable[..., Resposta]


def health(ctx: Contexto, pedido: Pedido) -> Resposta:
    contagens = ctx.motor.contagens()
    return resposta_json(
        200,
        {
            "status": "healthy",
            "message": "API está funcionando",
            "jobs_pending": contagens["jobs_pending"],
            "jobs_active": contagens["jobs_active"],
        },
    )


def renovar_token(ctx: Contexto, pedido: Pedido) -> Resposta:
    dados = ler_json(pedido.corpo)
    chave = dados.get("refresh_key") if isinstance(dados, dict) else None
    if not chave_confere(ctx.config.chave_renovacao, chave):
        return detalhe(401, "Chave de renovação inválida")
    return resposta_json(200, {"token": emitir_token(ctx.config.segredo), "expires_in_days": 365})


def token_atual(ctx: Contexto, pedido: Pedido) -> Resposta:
    return resposta_json(
        200,
        {
            "token": pedido.token,
            "expires_in": minutos_restantes(pedido.claims or {"exp": 0}),
            "message": "Token atual",
        },
    )


def executar_download(ctx: Contexto, pedido: Pedido, operadora: str) -> Resposta:
    dados, erros = validar(pedido.corpo, CAMPOS_DOWNLOAD)
    if erros:
        return resposta_json(422, {"detail": erros})
    if operadora not in ctx.config.operadoras:
        return detalhe(404, f"Operadora '{operadora}' não encontrada")
    campos = {campo: dados[campo] for campo in ("login", "filtro", "cnpj")}
    return _criar_job(ctx, pedido, "download", operadora, campos, dados.get("processo_id"))


def executar_sat(ctx: Contexto, pedido: Pedido) -> Resposta:
    dados, erros = validar(pedido.corpo, CAMPOS_SAT)
    if erros:
        return resposta_json(422, {"detail": erros})
    campos = {campo: dados[campo] for campo in CAMPOS_SAT}
    return _criar_job(ctx, pedido, "sat", "SAT", campos, dados.get("processo_id"))


def _criar_job(
    ctx: Contexto,
    pedido: Pedido,
    tipo: str,
    operadora: str,
    campos: dict[str, str],
    processo_id: str | None,
) -> Resposta:
    job = ctx.motor.criar(
        tipo=tipo,
        operadora=operadora,
        dados=campos,
        processo_id=processo_id,
        base_url=pedido.base_url,
    )
    return resposta_json(
        200,
        {
            "job_id": job.job_id,
            "status": "PENDING",
            "message": f"Job criado para operadora {operadora}",
            "status_url": f"/status/{job.job_id}",
        },
    )


def status_do_job(ctx: Contexto, pedido: Pedido, job_id: str) -> Resposta:
    status = ctx.motor.status(job_id)
    if status is None:
        return _job_nao_encontrado(job_id)
    return resposta_json(200, status)


def logs_do_job(ctx: Contexto, pedido: Pedido, job_id: str) -> Resposta:
    logs = ctx.motor.logs(job_id)
    if logs is None:
        return _job_nao_encontrado(job_id)
    return resposta_json(200, {"logs": logs})


def listar_jobs(ctx: Contexto, pedido: Pedido) -> Resposta:
    jobs = ctx.motor.listar()
    return resposta_json(200, {"total_jobs": len(jobs), "jobs": jobs})


def arquivo(ctx: Contexto, pedido: Pedido, caminho: str) -> Resposta:
    fatura = ctx.motor.fatura(caminho)
    if fatura is None:
        return detalhe(404, f"Arquivo '{caminho}' não encontrado")
    nome = posixpath.basename(caminho)
    return Resposta(
        200,
        fatura_pdf(fatura),
        tipo="application/pdf",
        cabecalhos={"Content-Disposition": f'inline; filename="{nome}"'},
    )


def _job_nao_encontrado(job_id: str) -> Resposta:
    return detalhe(404, f"Job '{job_id}' não encontrado")


# (método, caminho, rota, exige token); a primeira que casar atende.
ROTAS: list[tuple[str, re.Pattern[str], Rota, bool]] = [
    (metodo, re.compile(padrao), rota, protegida)
    for metodo, padrao, rota, protegida in [
        ("GET", r"/health", health, False),
        ("POST", r"/auth/refresh", renovar_token, False),
        ("GET", r"/auth/token", token_atual, True),
        ("POST", r"/executar/sat", executar_sat, True),
        ("POST", r"/executar/(?P<operadora>[^/]+)", executar_download, True),
        ("GET", r"/status/(?P<job_id>[^/]+)", status_do_job, True),
        ("GET", r"/jobs", listar_jobs, True),
        ("GET", r"/jobs/(?P<job_id>[^/]+)", status_do_job, True),
        ("GET", r"/jobs/(?P<job_id>[^/]+)/logs", logs_do_job, True),
        ("GET", r"/arquivos/(?P<caminho>.+)", arquivo, True),
    ]
]


def atender(ctx: Contexto, pedido: Pedido) -> Resposta:
    metodo_errado = False
    for metodo, padrao, rota, protegida in ROTAS:
        casou = padrao.fullmatch(pedido.caminho)
        if not casou:
            continue
        if metodo != pedido.metodo:
            metodo_errado = True
            continue
        if protegida and not _autenticar(ctx, pedido):
            return detalhe(401, "Token inválido ou expirado", **{"WWW-Authenticate": "Bearer"})
        parametros = {nome: unquote(valor) for nome, valor in casou.groupdict().items()}
        return rota(ctx, pedido, **parametros)
    if metodo_errado:
        return detalhe(405, "Method Not Allowed")
    return detalhe(404, "Not Found")


def _autenticar(ctx: Contexto, pedido: Pedido) -> bool:
    if ctx.controles.token_expirado:
        return False
    esquema, _, token = pedido.cabecalhos.get("Authorization", "").partition(" ")
    token = token.strip()
    if esquema.lower() != "bearer" or not token:
        return False
    claims = ler_token(ctx.config.segredo, token)
    if claims is None:
        return False
    pedido.token, pedido.claims = token, claims
    return True
