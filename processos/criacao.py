"""A criação de processos: a do mês, para todos os clientes ativos, e a avulsa de um cliente.

Usada igualmente pelo admin, pela API, pelo worker (criação mensal automática) e pelos comandos.
"""

import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError, connection, models, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from clientes.models import Cliente
from operadoras.models import Operadora
from processos.models import Origem, Processo, StatusProcesso, Transicao

# Um UUID novo gerado pelo próprio banco, linha a linha, dentro do INSERT ... SELECT.
UUID_NOVO = {"postgresql": "gen_random_uuid()", "sqlite": "lower(hex(randomblob(16)))"}


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
    do_mes = Processo.objects.filter(competencia=competencia)
    sem_processo = clientes.exclude(Exists(do_mes.filter(cliente=OuterRef("pk"))))
    agora = timezone.now()
    with transaction.atomic():
        existentes = do_mes.filter(cliente__in=clientes).count()
        # Tudo no banco, num INSERT ... SELECT por tabela: nenhum objeto por cliente no Python.
        criados = _inserir(
            Processo,
            um_por=("cliente", sem_processo),
            competencia=competencia,
            status=StatusProcesso.AGUARDANDO_DOWNLOAD,
            criado_por=getattr(usuario, "pk", None),
            criado_automaticamente=origem == Origem.WORKER,
            criado_em=agora,
            atualizado_em=agora,
        )
        # Os processos desta criação: os do mês com o seu instante e ainda sem transição.
        novos = do_mes.filter(criado_em=agora).exclude(
            Exists(Transicao.objects.filter(processo=OuterRef("pk")))
        )
        _inserir(
            Transicao,
            um_por=("processo", novos),
            de="",
            para=StatusProcesso.AGUARDANDO_DOWNLOAD,
            usuario=getattr(usuario, "pk", None),
            origem=origem,
            motivo=f"Criação dos processos de {competencia:%m/%Y}",
            criado_em=agora,
        )
    return ResultadoCriacao(competencia=competencia, criados=criados, existentes=existentes)


def _inserir(modelo: type[models.Model], *, um_por: tuple[str, models.QuerySet], **valores) -> int:
    """INSERT INTO modelo SELECT ...: uma linha para cada objeto de `um_por` (a chave estrangeira
    e a consulta dos objetos a que ela aponta), com os `valores` dados, um UUID novo de id e o
    padrão de cada campo que falta. Devolve quantas linhas entraram."""
    chave, objetos = um_por
    colunas, expressoes, parametros = [], [], []
    for campo in modelo._meta.concrete_fields:
        colunas.append(connection.ops.quote_name(campo.column))
        if campo.primary_key:
            expressoes.append(UUID_NOVO[connection.vendor])
        elif campo.name == chave:
            expressoes.append("objetos.pk")
        else:
            valor = valores[campo.name] if campo.name in valores else campo.get_default()
            expressoes.append("%s")
            parametros.append(campo.get_db_prep_save(valor, connection))
    consulta, parametros_da_consulta = objetos.order_by().values_list("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {connection.ops.quote_name(modelo._meta.db_table)} "
            f"({', '.join(colunas)}) SELECT {', '.join(expressoes)} FROM ({consulta}) objetos",
            [*parametros, *parametros_da_consulta],
        )
        return cursor.rowcount


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
