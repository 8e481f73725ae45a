"""Roteiros dos robôs: os passos (espera, log, progresso) de cada job, sorteados na criação.

Marcos de progresso do contrato: 0 criado, 30 robô iniciado, 90 robô finalizado, 95 resultado
capturado, 100 concluído; os passos do trabalho do robô ficam com valores entre 30 e 90.
Um job de download dura de 10 a 20 s de tempo simulado (velocidade 1).
"""

import random
from dataclasses import dataclass
from datetime import date

LOGGER_API = "app.main"
TIPOS_ERRO = ("login", "navegacao", "timeout", "arquivo")


@dataclass(frozen=True)
class Passo:
    espera: float  # segundos simulados antes do passo
    nivel: str
    mensagem: str
    logger: str
    progresso: int | None = None


@dataclass(frozen=True)
class Roteiro:
    passos: list[Passo]
    falha_no_passo: int | None  # índice do passo em que o job falha; None se conclui
    erro: str  # mensagem de erro se falhar (sorteada ou forçada)
    forma: str  # forma do resultado de download: "string" ou "objeto"
    competencia: str  # "MM/AAAA"
    valor: str
    vencimento: date
    protocolo: str


class _Passos:
    """Monta a lista de passos guardando onde cada tipo de erro acontece."""

    def __init__(self, rng: random.Random, logger: str, espera: tuple[float, float]) -> None:
        self.rng = rng
        self.logger = logger
        self.espera = espera
        self.lista: list[Passo] = []
        self.pontos_de_falha: dict[str, int] = {}

    def add(self, nivel: str, mensagem: str, *, espera=None, progresso=None, falha=None) -> None:
        if falha:
            self.pontos_de_falha[falha] = len(self.lista)
        espera_s = round(self.rng.uniform(*(espera or self.espera)), 3)
        self.lista.append(Passo(espera_s, nivel, mensagem, self.logger, progresso))

    def progresso_do_trabalho(self) -> list[Passo]:
        """Distribui valores entre 30 e 90 nos passos sem progresso entre esses marcos."""
        inicio = next(i for i, p in enumerate(self.lista) if p.progresso == 30)
        fim = next(i for i, p in enumerate(self.lista) if p.progresso == 90)
        total = fim - inicio
        for i in range(inicio + 1, fim):
            valor = 30 + (i - inicio) * 60 // total
            self.lista[i] = Passo(**{**self.lista[i].__dict__, "progresso": valor})
        return self.lista


def roteiro_download(
    rng: random.Random,
    *,
    operadora: str,
    login: str,
    filtro: str,
    falhar: bool,
    erro: str | None,
    hoje: date,
) -> Roteiro:
    competencia = f"{hoje:%m/%Y}"
    vencimento = _mes_seguinte(hoje, dia=rng.randint(5, 28))
    valor = f"{rng.uniform(80, 9000):.2f}"
    portal = f"portal da operadora {operadora}"
    p = _Passos(rng, f"app.rpa.{operadora.lower()}", espera=(0.2, 0.8))
    p.add("INFO", f"Iniciando processamento da operadora {operadora}", espera=(0.3, 0.8))
    p.add("DEBUG", "Preparando navegador do robô (modo headless)", espera=(0.5, 1.0))
    p.add("INFO", "Robô iniciado", progresso=30, espera=(0.5, 1.0))
    p.add("INFO", f"Acessando {portal}")
    p.add("DEBUG", "Aguardando carregamento da página de login")
    p.add("INFO", f"Efetuando login com o usuário {_mascarar(login)}")
    p.add("INFO", "Login realizado com sucesso", falha="login")
    p.add("INFO", "Navegando até a área de faturas")
    paginas = rng.randint(3, 6)
    for pagina in range(1, paginas + 1):
        p.add("DEBUG", f"Aguardando carregamento da página ({pagina}/{paginas})")
    p.add("INFO", f"Aplicando filtro {filtro}")
    p.add("INFO", f"Localizando fatura da competência {competencia}", falha="navegacao")
    p.add("DEBUG", f"Fatura encontrada: vencimento {vencimento:%d/%m/%Y}, valor R$ {valor}")
    p.add("INFO", "Baixando PDF da fatura")
    partes = rng.randint(4, 8)
    for parte in range(1, partes + 1):
        falha = "timeout" if parte == partes // 2 else None
        p.add("DEBUG", f"Download em andamento: {parte * 100 // (partes + 1)}%", falha=falha)
    p.add("INFO", f"Download concluído: {operadora.lower()}_fatura.pdf")
    p.add("DEBUG", "Validando arquivo PDF", falha="arquivo")
    p.add("INFO", "Robô finalizado", progresso=90, espera=(0.5, 1.0))
    p.add("INFO", "Resultado capturado", progresso=95, espera=(0.3, 0.8))
    erros = {
        "login": f"Falha no login do {portal}: usuário ou senha inválidos",
        "navegacao": f"Erro de navegação no {portal}: elemento 'Minhas faturas' não encontrado",
        "timeout": f"Tempo esgotado aguardando resposta do {portal} (120 s)",
        "arquivo": "Erro no arquivo da fatura: o PDF baixado está vazio ou corrompido",
    }
    return _roteiro(
        rng,
        p,
        erros,
        falhar=falhar,
        erro=erro,
        competencia=competencia,
        valor=valor,
        vencimento=vencimento,
    )


def roteiro_sat(
    rng: random.Random, *, dados: dict[str, str], falhar: bool, erro: str | None, hoje: date
) -> Roteiro:
    arquivo = dados["nome_arquivo"]
    p = _Passos(rng, "app.rpa.sat", espera=(0.6, 1.4))
    p.add("INFO", f"Iniciando registro no SAT da fatura {arquivo}", espera=(0.3, 0.8))
    p.add("DEBUG", "Preparando navegador do robô (modo headless)", espera=(0.5, 1.0))
    p.add("INFO", "Robô iniciado", progresso=30, espera=(0.5, 1.0))
    p.add("INFO", "Acessando o SAT")
    p.add("INFO", "Login no SAT realizado com sucesso", falha="login")
    p.add("INFO", f"Pesquisando cliente {dados['cnpj']} ({dados['razao']})")
    p.add("INFO", f"Selecionando unidade {dados['unidade']}", falha="navegacao")
    p.add("INFO", f"Selecionando serviço {dados['servico']} ({dados['nome_filtro']})")
    p.add("INFO", f"Anexando arquivo {arquivo}", falha="arquivo")
    p.add("INFO", f"Informando vencimento {dados['data_vencimento']}")
    p.add("DEBUG", "Enviando registro")
    p.add("DEBUG", "Aguardando confirmação do SAT", falha="timeout")
    p.add("INFO", "Robô finalizado", progresso=90, espera=(0.5, 1.0))
    p.add("INFO", "Protocolo capturado", progresso=95, espera=(0.3, 0.8))
    erros = {
        "login": "Falha no login do SAT: credenciais do robô recusadas",
        "navegacao": f"Erro de navegação no SAT: unidade '{dados['unidade']}' não encontrada",
        "timeout": "Tempo esgotado aguardando resposta do SAT (120 s)",
        "arquivo": f"Erro no arquivo: '{arquivo}' não pôde ser anexado ao SAT",
    }
    return _roteiro(
        rng,
        p,
        erros,
        falhar=falhar,
        erro=erro,
        competencia=f"{hoje:%m/%Y}",
        valor="0.00",
        vencimento=hoje,
    )


def _roteiro(rng, passos: _Passos, erros: dict[str, str], *, falhar, erro, **campos) -> Roteiro:
    tipo = rng.choice(TIPOS_ERRO)
    forma = rng.choice(("string", "objeto"))
    protocolo = f"Protocolo SAT {rng.randint(100000, 999999)}"
    return Roteiro(
        passos=passos.progresso_do_trabalho(),
        falha_no_passo=passos.pontos_de_falha[tipo] if falhar else None,
        erro=erro or erros[tipo],
        forma=forma,
        protocolo=protocolo,
        **campos,
    )


def _mes_seguinte(hoje: date, *, dia: int) -> date:
    if hoje.month == 12:
        return date(hoje.year + 1, 1, dia)
    return date(hoje.year, hoje.month + 1, dia)


def _mascarar(login: str) -> str:
    usuario, arroba, dominio = login.partition("@")
    return f"{usuario[:1]}***{arroba}{dominio}"
