"""A criação de processos: a do mês, para todos os clientes ativos, e a avulsa de um cliente.

Usada igualmente pelo admin, pela API, pelo worker (criação mensal automática) e pelos comandos.
"""

import datetime as dt
import uuid
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from clientes.models import Cliente
from operadoras.models import Operadora
from processos.models import Origem, Processo, StatusProcesso, Transicao

LOTE = 1000


@dataclass(frozen=True)
class ResultadoCriacao:
    competencia: dt.date
    criados: int
    existentes: int

    def mensagem(self) -> str:
        return (
            f"Competência {self.competencia:%m/%Y}: {self.criados} processo(s) criado(s), "
            f"{self.existentes} já existiam."
        )


def criar_processos_mensais(
    *,
    competencia: dt.date,
    operadora: Operadora | None = None,
    usuario=None,
    origem: str = Origem.COMANDO,
) -> ResultadoCriacao:
    """Um processo AGUARDANDO_DOWNLOAD por cliente ativo de operadora ativa. Idempotente."""
    competencia = competencia.replace(day=1)
    try:
        return _criar(competencia, operadora, usuario, origem)
    except IntegrityError:
        # Outra criação da mesma competência terminou antes desta: refaz a conta com o que existe.
        return _criar(competencia, operadora, usuario, origem)


def _criar(competencia, operadora, usuario, origem) -> ResultadoCriacao:
    clientes = Cliente.objects.filter(ativo=True, operadora__ativo=True)
    if operadora is not None:
        clientes = clientes.filter(operadora=operadora)
    with transaction.atomic():
        ids_clientes = list(clientes.values_list("id", flat=True))
        ja_existem = set(
            Processo.objects.filter(competencia=competencia, cliente_id__in=clientes).values_list(
                "cliente_id", flat=True
            )
        )
        novos = [
            Processo(
                id=uuid.uuid4(),
                cliente_id=cliente_id,
                competencia=competencia,
                status=StatusProcesso.AGUARDANDO_DOWNLOAD,
                criado_por=usuario,
                criado_automaticamente=origem == Origem.WORKER,
            )
            for cliente_id in ids_clientes
            if cliente_id not in ja_existem
        ]
        Processo.objects.bulk_create(novos, batch_size=LOTE)
        Transicao.objects.bulk_create(
            [
                Transicao(
                    processo_id=processo.id,
                    de="",
                    para=StatusProcesso.AGUARDANDO_DOWNLOAD,
                    usuario=usuario,
                    origem=origem,
                    motivo=f"Criação dos processos de {competencia:%m/%Y}",
                )
                for processo in novos
            ],
            batch_size=LOTE,
        )
    return ResultadoCriacao(competencia=competencia, criados=len(novos), existentes=len(ja_existem))


def criar_processo(
    *, cliente: Cliente, competencia: dt.date, usuario, origem: str, observacoes: str = ""
) -> Processo:
    """Um processo avulso (fora da criação mensal), com a Transicao de criação."""
    with transaction.atomic():
        processo = Processo.objects.create(
            cliente=cliente,
            competencia=competencia.replace(day=1),
            criado_por=usuario,
            observacoes=observacoes,
        )
        Transicao.objects.create(
            processo=processo,
            de="",
            para=processo.status,
            usuario=usuario,
            origem=origem,
            motivo="Processo criado manualmente",
        )
    return processo
