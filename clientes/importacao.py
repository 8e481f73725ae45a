"""Importação de clientes pela planilha das operadoras.

Tudo ou nada: uma linha com erro faz o arquivo inteiro não ser importado, a menos que se peça para
pular as linhas inválidas. A simulação (`simular=True`) percorre o mesmo caminho e desfaz no fim.
"""

import csv
import difflib
import io
import unicodedata
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from clientes.models import CAMPOS_DO_CADASTRO, Cliente
from operadoras.models import CODIGOS_COM_ROBO, Operadora, normalizar_codigo

TAMANHO_MAXIMO = 5 * 1024 * 1024

# Cabeçalho da planilha (sem acento, maiúsculo, espaços colapsados) → campo do cliente.
COLUNAS = {
    "HASH": "hash_unico",
    "RAZAO SOCIAL": "razao_social",
    "NOME SAT": "nome_sat",
    "CNPJ": "cnpj",
    "OPERADORA": "operadora",
    "FILTRO": "filtro",
    "SERVICO": "servico",
    "DADOS SAT": "dados_sat",
    "UNIDADE / FILTRO SAT": "unidade",
    "CATEGORIAS / FILTRO SAT": "categoria_sat",
    "SITE PARA EMISSAO": "site_emissao",
    "LOGIN": "login_portal",
    "SENHA": "senha_portal",
    "CPF": "cpf",
    "OBS": "observacoes",
    "STATUS": "status",
    "PATCHDOWNLOAD": "patchdownload",
    "ATUALIZA/CRIA": "atualiza_cria",
}
COLUNAS_OBRIGATORIAS = {"razao_social": "RAZÃO SOCIAL", "cnpj": "CNPJ", "operadora": "OPERADORA"}


# Quão parecido (difflib, 0 a 1) um código novo precisa ser de um existente para ser tomado por
# erro de digitação: VIVVO/VIVO 0,89; EMBRATEL_PJ/EMBRATEL 0,84 (confirma-se uma vez); TIM/OI 0,4.
SEMELHANCA_MINIMA = 0.8


class ArquivoInvalido(Exception):
    """O arquivo todo não pode ser lido (codificação, cabeçalho, tamanho)."""


@dataclass
class Linha:
    numero: int
    hash_unico: str = ""
    razao_social: str = ""
    cnpj: str = ""
    operadora: str = ""
    acao: str = ""  # "criar", "atualizar" ou "" quando há erro
    erros: list[str] = field(default_factory=list)

    @property
    def valida(self) -> bool:
        return not self.erros


@dataclass
class Resultado:
    linhas: list[Linha]
    simulacao: bool
    pular_invalidas: bool
    gravado: bool
    operadoras_criadas: list[str] = field(default_factory=list)
    # Código novo → o código existente com que ele se parece ("VIVVO" → "VIVO"): erro de digitação
    # até alguém confirmar que é mesmo uma operadora nova.
    operadoras_parecidas: dict[str, str] = field(default_factory=dict)

    @property
    def criados(self) -> int:
        return sum(1 for linha in self.linhas if linha.valida and linha.acao == "criar")

    @property
    def atualizados(self) -> int:
        return sum(1 for linha in self.linhas if linha.valida and linha.acao == "atualizar")

    @property
    def pode_confirmar(self) -> bool:
        tem_o_que_gravar = self.criados + self.atualizados > 0
        return tem_o_que_gravar and (self.pular_invalidas or not self.invalidas)

    @property
    def invalidas(self) -> list[Linha]:
        return [linha for linha in self.linhas if not linha.valida]

    def resumo(self) -> str:
        if self.invalidas and not self.pular_invalidas:
            return (
                f"{len(self.invalidas)} linha(s) com erro; nada "
                f"{'seria' if self.simulacao else 'foi'} importado. "
                "Corrija o arquivo ou peça para pular as linhas inválidas."
            )
        prefixo = "Simulação: " if self.simulacao else ""
        futuro = self.simulacao
        partes = [
            f"{self.criados} cliente(s) {'seriam criados' if futuro else 'criado(s)'}",
            f"{self.atualizados} {'seriam atualizados' if futuro else 'atualizado(s)'}",
        ]
        if self.invalidas:
            partes.append(f"{len(self.invalidas)} linha(s) inválida(s) pulada(s)")
        if self.operadoras_criadas:
            partes.append("operadora(s) nova(s): " + ", ".join(self.operadoras_criadas))
        return prefixo + "; ".join(partes) + "."


def _chave_coluna(celula: str) -> str:
    sem_acento = unicodedata.normalize("NFKD", celula).encode("ascii", "ignore").decode()
    return " ".join(sem_acento.upper().split())


def _decodificar(conteudo: bytes) -> str:
    if len(conteudo) > TAMANHO_MAXIMO:
        raise ArquivoInvalido("Arquivo grande demais (máximo 5 MB).")
    if b"\x00" in conteudo[:4096]:
        raise ArquivoInvalido("O arquivo não é um CSV de texto (é binário ou UTF-16).")
    try:
        return conteudo.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Planilhas salvas pelo Excel em Windows-1252 são comuns; não perdemos os acentos.
        return conteudo.decode("cp1252", errors="replace")


def ler_planilha(conteudo: bytes) -> tuple[list[str | None], list[tuple[int, list[str]]]]:
    """Devolve o campo de cada coluna e as linhas (número da linha no arquivo, células)."""
    texto = _decodificar(conteudo)
    primeira = texto.split("\n", 1)[0]
    separador = ";" if primeira.count(";") > primeira.count(",") else ","
    leitor = csv.reader(io.StringIO(texto, newline=""), delimiter=separador)
    try:
        cabecalho = next(leitor)
    except StopIteration:
        raise ArquivoInvalido("O arquivo está vazio.") from None
    except csv.Error as erro:
        raise ArquivoInvalido(f"O arquivo não é um CSV válido: {erro}.") from None
    campos = [COLUNAS.get(_chave_coluna(celula)) for celula in cabecalho]
    faltando = [nome for campo, nome in COLUNAS_OBRIGATORIAS.items() if campo not in campos]
    if faltando:
        raise ArquivoInvalido(
            "Cabeçalho sem a(s) coluna(s) obrigatória(s): " + ", ".join(faltando) + "."
        )
    linhas = []
    try:
        fim_da_anterior = leitor.line_num
        for celulas in leitor:
            _conferir_aspas(celulas, separador, fim_da_anterior + 1, leitor.line_num)
            if any(celula.strip() for celula in celulas):
                linhas.append((leitor.line_num, celulas))
            fim_da_anterior = leitor.line_num
    except csv.Error as erro:
        raise ArquivoInvalido(f"Linha {leitor.line_num}: CSV malformado ({erro}).") from None
    return campos, linhas


def _conferir_aspas(celulas: list[str], separador: str, inicio: int, fim: int) -> None:
    """Uma aspa aberta e não fechada faz a célula engolir as linhas seguintes até a próxima aspa
    (ou o fim do arquivo): as linhas engolidas sumiriam sem aviso. Uma célula com várias linhas
    de verdade (uma observação) não traz o separador e as colunas de uma linha inteira."""
    if fim == inicio:
        return
    for celula in celulas:
        if "\n" in celula and any(linha.count(separador) >= 2 for linha in celula.splitlines()[1:]):
            raise ArquivoInvalido(
                f"Linha {inicio}: aspas abertas e não fechadas — a célula engole as linhas "
                f"{inicio + 1} a {fim}. Feche as aspas (ou tire-as) e envie o arquivo de novo."
            )


def _valores(campos: list[str | None], celulas: list[str]) -> dict[str, str]:
    valores = {}
    for campo, celula in zip(campos, celulas, strict=False):
        if campo and campo not in valores:
            valores[campo] = celula.strip()
    return valores


class _Importacao:
    def __init__(self, operadoras_confirmadas: frozenset[str] = frozenset()) -> None:
        self.operadoras = {op.codigo: op for op in Operadora.objects.all()}
        self.operadoras_confirmadas = {normalizar_codigo(c) for c in operadoras_confirmadas}
        self.operadoras_criadas: list[str] = []
        self.operadoras_parecidas: dict[str, str] = {}
        self.hashes_vistos: dict[str, int] = {}
        self.contas_vistas: dict[tuple, int] = {}

    def operadora(self, nome: str) -> Operadora | None:
        codigo = normalizar_codigo(nome)
        if not codigo:
            return None
        nova = codigo not in self.operadoras
        if (
            nova
            and codigo not in self.operadoras_confirmadas
            and (parecida := self._parecida(codigo))
        ):
            self.operadoras_parecidas[codigo] = parecida
            return None
        if nova:
            self.operadoras[codigo] = Operadora.objects.create(
                nome=codigo, codigo=codigo, possui_rpa=codigo in CODIGOS_COM_ROBO
            )
            self.operadoras_criadas.append(codigo)
        return self.operadoras[codigo]

    def _parecida(self, codigo: str) -> str | None:
        """A operadora existente de que `codigo` parece um erro de digitação (VIVVO → VIVO), se
        ninguém confirmou que é uma operadora nova."""
        if codigo in self.operadoras_confirmadas:
            return None
        existentes = [c for c in self.operadoras if c not in self.operadoras_criadas]
        parecidas = difflib.get_close_matches(codigo, existentes, n=1, cutoff=SEMELHANCA_MINIMA)
        return parecidas[0] if parecidas else None

    def linha(self, numero: int, valores: dict[str, str]) -> Linha:
        linha = Linha(
            numero=numero,
            hash_unico=valores.get("hash_unico", ""),
            razao_social=valores.get("razao_social", ""),
            cnpj=valores.get("cnpj", ""),
            operadora=valores.get("operadora", ""),
        )
        for campo, nome in COLUNAS_OBRIGATORIAS.items():
            if not valores.get(campo):
                linha.erros.append(f"campo obrigatório vazio: {nome}")
        ativo = {"": True, "1": True, "0": False}.get(valores.get("status", ""))
        if ativo is None:
            linha.erros.append("STATUS deve ser 0 (inativo) ou 1 (ativo)")
        if linha.erros:
            return linha
        operadora = self.operadora(valores["operadora"])
        codigo = normalizar_codigo(valores["operadora"])
        if operadora is None and codigo in self.operadoras_parecidas:
            linha.erros.append(
                f"operadora {codigo} não existe e parece {self.operadoras_parecidas[codigo]}: "
                "corrija o arquivo ou confirme que é uma operadora nova"
            )
            return linha
        if operadora is None:
            linha.erros.append(f"operadora inválida: {valores['operadora']}")
            return linha
        if not operadora.ativo:
            linha.erros.append(f"operadora {operadora.codigo} está inativa")
            return linha
        self._gravar(linha, valores, operadora, ativo)
        return linha

    def _gravar(self, linha: Linha, valores: dict, operadora: Operadora, ativo: bool) -> None:
        atualizar = _chave_coluna(valores.get("atualiza_cria", "")) == "SIM"
        cliente = (
            Cliente.objects.filter(hash_unico=linha.hash_unico).first()
            if linha.hash_unico
            else None
        )
        if cliente and not atualizar:
            linha.erros.append(
                f"HASH {linha.hash_unico} já cadastrado (use ATUALIZA/CRIA = SIM para atualizar)"
            )
            return
        linha.acao = "atualizar" if cliente else "criar"
        cliente = cliente or Cliente(hash_unico=linha.hash_unico)
        for campo in CAMPOS_DO_CADASTRO:
            if campo in valores:
                setattr(cliente, campo, valores[campo])
        cliente.operadora = operadora
        cliente.ativo = ativo
        try:
            # Também calcula o hash quando a planilha não o traz (`Cliente.normalizar`).
            cliente.full_clean(validate_unique=False, validate_constraints=False)
        except ValidationError as erro:
            linha.erros.extend(_mensagens(erro))
            return
        if self._repetida(linha, cliente):
            return
        try:
            with transaction.atomic():
                cliente.save()
        except IntegrityError:
            linha.erros.append(
                "chave duplicada: já existe um cliente com este CNPJ, operadora, unidade e serviço"
            )

    def _repetida(self, linha: Linha, cliente: Cliente) -> bool:
        conta = (cliente.cnpj, cliente.operadora.codigo, cliente.unidade, cliente.servico)
        anterior = self.hashes_vistos.get(cliente.hash_unico) or self.contas_vistas.get(conta)
        if anterior:
            linha.erros.append(f"chave duplicada: repete o cliente da linha {anterior}")
            return True
        self.hashes_vistos[cliente.hash_unico] = linha.numero
        self.contas_vistas[conta] = linha.numero
        return False


def _mensagens(erro: ValidationError) -> list[str]:
    if not hasattr(erro, "error_dict"):
        return list(erro.messages)
    nomes = {campo.name: str(campo.verbose_name) for campo in Cliente._meta.fields}
    return [
        f"{nomes.get(campo, campo)}: {mensagem}"
        for campo, mensagens in erro.message_dict.items()
        for mensagem in mensagens
    ]


def importar_clientes(
    conteudo: bytes,
    *,
    simular: bool = False,
    pular_invalidas: bool = False,
    operadoras_confirmadas: frozenset[str] = frozenset(),
) -> Resultado:
    """Lê a planilha e grava os clientes. Levanta ArquivoInvalido quando o arquivo não serve.

    Uma operadora nova parecida com uma existente ("VIVVO" e "VIVO") só é criada se o seu código
    está em `operadoras_confirmadas`; senão as linhas dela ficam com erro."""
    campos, linhas_brutas = ler_planilha(conteudo)
    with transaction.atomic():
        importacao = _Importacao(operadoras_confirmadas)
        linhas = [
            importacao.linha(numero, _valores(campos, celulas)) for numero, celulas in linhas_brutas
        ]
        tem_erro = any(not linha.valida for linha in linhas)
        gravar = not simular and (pular_invalidas or not tem_erro)
        if not gravar:
            transaction.set_rollback(True)
    return Resultado(
        linhas=linhas,
        simulacao=simular,
        pular_invalidas=pular_invalidas,
        gravado=gravar,
        operadoras_criadas=importacao.operadoras_criadas,
        operadoras_parecidas=importacao.operadoras_parecidas,
    )
