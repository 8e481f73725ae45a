"""As ações do fluxo num registro só: de cada uma, o rótulo, a guarda (quem e em que estado), o
formulário, a mensagem de sucesso e a versão em lote do admin, quando há.

Os botões da página do processo e do admin, as ações em lote da lista de processos e a API rodam
os mesmos serviços com as mesmas guardas, que estão em `processos.acoes`; aqui fica o que cada
tela diz e pergunta. Uma ação nova é uma entrada em `ACOES` e o seu serviço (com a guarda).
"""

from collections.abc import Callable
from dataclasses import dataclass

from execucoes.models import Execucao
from nucleo.erros import AcaoRecusada
from nucleo.permissoes import Capacidade
from processos import acoes
from processos.forms import (
    FormularioAprovacao,
    FormularioCancelamento,
    FormularioDeAcao,
    FormularioRejeicao,
    FormularioUpload,
)
from processos.models import ETAPA_DO_STATUS, Processo

Guarda = Callable[[Processo, object, Execucao | None], AcaoRecusada | None]


@dataclass(frozen=True)
class PaginaDoMotivo:
    """A página intermediária do lote (como a de exclusão do Django) que pede o motivo antes."""

    titulo: str
    explicacao: str
    botao: str
    voltar: str


@dataclass(frozen=True)
class EmLote:
    """A ação no menu da lista de processos, aplicada a cada linha marcada."""

    descricao: str
    feitos: str  # para o resumo: “3 processo(s) aprovado(s).”
    pede_motivo: PaginaDoMotivo | None = None
    # O que o resumo acrescenta sobre os que deram certo (recebe o que o serviço devolveu).
    notar: Callable[[list], str] | None = None


@dataclass(frozen=True)
class Acao:
    nome: str  # na URL do botão e no menu de ações do admin
    rotulo: str  # o texto do botão
    capacidade: Capacidade  # quem: o admin só oferece a ação em lote a quem a tem
    recusa: Guarda  # quem e em que estado, sem efeito: o serviço levanta, a página só pergunta
    executar: Callable  # o serviço: (processo, pedido, **formulario.argumentos())
    sucesso: str
    formulario: type[FormularioDeAcao] | None = None
    titulo: str = ""  # o título do formulário na página (vazio: o rótulo)
    ajuda: str = ""
    destaque: bool = False
    # O botão de primeira vez e o de “novamente” levam ao mesmo lugar; a página mostra um só,
    # conforme o robô da etapa atual já rodou (True) ou não (False). None: não depende disso.
    robo_ja_rodou: bool | None = None
    em_lote: EmLote | None = None


MOSTRADOS_NO_RESUMO = 10


def com_valores_do_pdf(processos: list[Processo]) -> str:
    """Na aprovação em lote, quais usaram valor ou vencimento lido do PDF (ninguém conferiu)."""
    lidos = [processo for processo in processos if processo.lidos_do_pdf]
    if not lidos:
        return ""
    nomes = "; ".join(str(processo) for processo in lidos[:MOSTRADOS_NO_RESUMO])
    if len(lidos) > MOSTRADOS_NO_RESUMO:
        nomes += f"; e mais {len(lidos) - MOSTRADOS_NO_RESUMO}"
    return f"{len(lidos)} com valor ou vencimento lido do PDF — confira: {nomes}."


ACOES = (
    Acao(
        nome="executar_download",
        rotulo="Executar download",
        capacidade=Capacidade.OPERAR,
        recusa=acoes.recusa_de_executar_download,
        executar=acoes.executar_download,
        sucesso="Download pedido ao robô; a página acompanha a execução.",
        robo_ja_rodou=False,
        em_lote=EmLote("Executar download da fatura", feitos="enviado(s) ao robô"),
    ),
    Acao(
        nome="upload",
        rotulo="Enviar fatura",
        titulo="Enviar a fatura à mão",
        capacidade=Capacidade.OPERAR,
        recusa=acoes.recusa_de_upload_manual,
        executar=acoes.upload_manual,
        formulario=FormularioUpload,
        sucesso="Fatura enviada; o processo aguarda aprovação.",
    ),
    Acao(
        nome="aprovar",
        rotulo="Aprovar",
        capacidade=Capacidade.APROVAR,
        recusa=acoes.recusa_de_aprovar,
        executar=acoes.aprovar,
        formulario=FormularioAprovacao,
        destaque=True,
        sucesso="Fatura aprovada.",
        em_lote=EmLote("Aprovar faturas", feitos="aprovado(s)", notar=com_valores_do_pdf),
    ),
    Acao(
        nome="rejeitar",
        rotulo="Rejeitar",
        capacidade=Capacidade.APROVAR,
        recusa=acoes.recusa_de_rejeitar,
        executar=acoes.rejeitar,
        formulario=FormularioRejeicao,
        sucesso="Fatura rejeitada; o processo voltou para o download.",
        em_lote=EmLote(
            "Rejeitar faturas (pede o motivo)",
            feitos="rejeitado(s)",
            pede_motivo=PaginaDoMotivo(
                titulo="Rejeitar faturas",
                explicacao="Estas faturas voltam para “Aguardando download”. Diga o motivo — ele "
                "fica no histórico de cada processo.",
                botao="Rejeitar",
                voltar="Cancelar",
            ),
        ),
    ),
    Acao(
        nome="enviar_ao_sat",
        rotulo="Enviar ao SAT",
        capacidade=Capacidade.OPERAR,
        recusa=acoes.recusa_de_enviar_ao_sat,
        executar=acoes.enviar_ao_sat,
        sucesso="Envio ao SAT pedido ao robô.",
        robo_ja_rodou=False,
        em_lote=EmLote("Enviar ao SAT", feitos="enviado(s) ao SAT"),
    ),
    Acao(
        nome="executar_novamente",
        rotulo="Executar novamente",
        capacidade=Capacidade.OPERAR,
        recusa=acoes.recusa_de_executar_novamente,
        executar=acoes.executar_novamente,
        sucesso="Nova execução pedida ao robô.",
        robo_ja_rodou=True,
        em_lote=EmLote("Executar novamente", feitos="reexecutado(s)"),
    ),
    Acao(
        nome="tentar_agora",
        rotulo="Tentar agora",
        capacidade=Capacidade.OPERAR,
        recusa=acoes.recusa_de_tentar_agora,
        executar=acoes.tentar_agora,
        destaque=True,
        sucesso="A nova tentativa vai para o robô agora, sem esperar.",
        em_lote=EmLote("Tentar agora (sem esperar a nova tentativa)", feitos="antecipado(s)"),
    ),
    Acao(
        nome="cancelar_execucao",
        rotulo="Cancelar execução",
        capacidade=Capacidade.OPERAR,
        recusa=acoes.recusa_de_cancelar_execucao,
        executar=acoes.cancelar_execucao_ativa,
        formulario=FormularioCancelamento,
        ajuda="Para uma execução presa: ela é encerrada e o processo pode ser executado de novo.",
        sucesso="Execução cancelada; o processo pode ser executado de novo.",
    ),
)
ACAO = {acao.nome: acao for acao in ACOES}


def acoes_permitidas(processo: Processo, usuario) -> list[Acao]:
    """As ações que as guardas deixam agora (o serviço confere de novo ao executar).

    Duas consultas pequenas, qualquer que seja o número de execuções do processo: a execução em
    andamento e se o robô da etapa atual já rodou.
    """
    ativa = acoes.execucao_ativa(processo)
    ja_rodou = robo_ja_rodou(processo)
    return [
        acao
        for acao in ACOES
        if acao.robo_ja_rodou in (None, ja_rodou) and acao.recusa(processo, usuario, ativa) is None
    ]


def robo_ja_rodou(processo: Processo) -> bool:
    """Se o robô que o status atual espera já rodou neste processo (o botão é “novamente”)."""
    etapa = ETAPA_DO_STATUS.get(processo.status)
    return etapa is not None and processo.execucoes.filter(tipo=etapa.tipo).exists()


@dataclass(frozen=True)
class Botao:
    acao: Acao
    formulario: FormularioDeAcao | None


def botoes(processo: Processo, usuario, digitados: dict | None = None) -> list[Botao]:
    """O que `processos/_acoes.html` desenha, na página do processo e na do admin.

    `digitados`: os formulários que voltaram com erro, pelo nome da ação (com o que a pessoa
    digitou e a mensagem), no lugar dos formulários em branco."""
    digitados = digitados or {}
    return [
        Botao(acao, digitados.get(acao.nome) or _em_branco(acao, processo))
        for acao in acoes_permitidas(processo, usuario)
    ]


def _em_branco(acao: Acao, processo: Processo) -> FormularioDeAcao | None:
    return acao.formulario.em_branco(processo) if acao.formulario else None
