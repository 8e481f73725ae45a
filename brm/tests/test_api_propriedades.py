"""A API cumpre o próprio esquema OpenAPI: pedidos gerados a partir dele (schemathesis), válidos e
inválidos, em todas as operações, como ADMINISTRADOR com JWT, dentro do processo (WSGI).

Falha com qualquer 5xx, código de resposta que o esquema não declara ou resposta fora do esquema.
"""

import datetime as dt
import json

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from brm.fabricas import criar_cliente, criar_processo, criar_usuario, token_de
from execucoes.models import Execucao, LogExecucao, StatusExecucao, TipoExecucao
from processos.models import StatusProcesso

EXEMPLOS_POR_OPERACAO = 20
VERIFICACOES = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "response_headers_conformance",
]


def _registros() -> dict[str, list[str]]:
    """Alguns registros de verdade, com campos vazios e nulos, para as operações acharem."""
    cliente = criar_cliente(senha_portal="")
    aguardando = criar_processo(
        criar_cliente(cliente.operadora), status=StatusProcesso.AGUARDANDO_APROVACAO
    )
    aprovado = criar_processo(
        criar_cliente(cliente.operadora),
        status=StatusProcesso.AGUARDANDO_ENVIO_SAT,
        valor="123.45",
        vencimento=dt.date(2026, 4, 10),
    )
    processo = criar_processo(cliente)
    execucao = Execucao.objects.create(
        processo=processo, tipo=TipoExecucao.DOWNLOAD_FATURA, resultado=None
    )
    Execucao.objects.create(
        processo=aguardando,
        tipo=TipoExecucao.DOWNLOAD_FATURA,
        status=StatusExecucao.CONCLUIDO,
        job_id="job-1",
        resultado={"valor": "10.00"},
    )
    LogExecucao.objects.create(execucao=execucao, nivel="INFO", mensagem="início")
    return {
        "operadoras": [str(cliente.operadora.pk)],
        "clientes": [str(cliente.pk)],
        "processos": [str(p.pk) for p in (processo, aguardando, aprovado)],
        "execucoes": [str(execucao.pk)],
    }


def _esquema() -> schemathesis.BaseSchema:
    """O esquema que `/api/esquema/` serve, gerado aqui mesmo (sem banco, na coleta)."""
    gerado = SchemaGenerator().get_schema(request=None, public=True)
    esquema = schemathesis.openapi.from_dict(json.loads(OpenApiJsonRenderer().render(gerado)))
    esquema.app = get_wsgi_application()
    esquema.config.generation.update(max_examples=EXEMPLOS_POR_OPERACAO)
    # A fase "coverage" (todas as bordas de todo campo) passa de 3.000 pedidos: fica para uma
    # rodada manual (`schemathesis run`, ver docs/decisoes.md); aqui, exemplos e sorteio.
    esquema.config.phases.update(phases=["examples", "fuzzing"])
    esquema.config.checks.update(included_check_names=VERIFICACOES)
    return esquema


esquema = _esquema()
# Ids de registros que existem, por recurso (preenchidos pela fixture `registros`).
_EXISTENTES: dict[str, list[str]] = {}


@esquema.hook
def flatmap_path_parameters(contexto, parametros):
    """Às vezes um id que existe: só ids sorteados dariam 404 em toda operação de detalhe."""
    existentes = _EXISTENTES.get(contexto.operation.path.split("/")[2])
    if not existentes or "id" not in (parametros or {}):
        return st.just(parametros)
    return st.sampled_from([parametros["id"], *existentes]).map(
        lambda id_: {**parametros, "id": id_}
    )


@pytest.fixture
def registros(transactional_db):
    _EXISTENTES.clear()
    _EXISTENTES.update(_registros())
    yield
    _EXISTENTES.clear()


@pytest.fixture
def cabecalhos(transactional_db) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_de(criar_usuario('ADMINISTRADOR'))}"}


@pytest.mark.lento
@esquema.parametrize()
@settings(
    max_examples=EXEMPLOS_POR_OPERACAO,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_a_api_cumpre_o_proprio_esquema(case, registros, cabecalhos):
    # Como um servidor de verdade, o WSGI diz o IP do cliente (o limite de login conta por IP).
    case.call_and_validate(headers=cabecalhos, environ_base={"REMOTE_ADDR": "127.0.0.1"})


def test_o_esquema_declara_os_nulos_e_os_codigos_de_erro():
    componentes = esquema.raw_schema["components"]["schemas"]
    assert componentes["Processo"]["properties"]["aprovado_por"]["nullable"] is True
    for campo in ("executado_por", "cancelada_por", "iniciada_em", "resultado"):
        assert componentes["Execucao"]["properties"][campo]["nullable"] is True
    caminhos = esquema.raw_schema["paths"]

    def codigos(caminho, metodo):
        return set(caminhos[caminho][metodo]["responses"])

    assert codigos("/api/processos/{id}/aprovar/", "post") >= {
        "200",
        "400",
        "401",
        "403",
        "404",
        "409",
    }
    assert codigos("/api/clientes/", "get") >= {"200", "400", "401", "403", "404"}
    assert codigos("/api/clientes/{id}/", "delete") >= {"204", "401", "403", "404", "409"}
    assert codigos("/api/token/", "post") == {"200", "400", "401", "415", "429"}
    erro = caminhos["/api/processos/{id}/"]["get"]["responses"]["404"]
    assert erro["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Erro"}
