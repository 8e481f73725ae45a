"""As importações apontam para um lado só (docs/arquitetura.md): a base comum (`nucleo`) não
conhece os apps do domínio nem o projeto, e nenhum módulo importa, direta ou indiretamente, quem o
importa — nem dentro de uma função."""

import ast
from pathlib import Path

RAIZ = Path(__file__).resolve().parents[2]
PACOTES = {
    "nucleo",
    "contas",
    "operadoras",
    "clientes",
    "processos",
    "execucoes",
    "agendamentos",
    "notificacoes",
    "brm",
}
DOMINIO_E_PROJETO = PACOTES - {"nucleo"}
# Os apps que rodam por conta própria usando os outros, de baixo para cima: um app importa os de
# baixo e os do seu andar, nunca os de cima (os agendamentos mandam avisos; os avisos não agendam).
ANDARES = {"notificacoes": 1, "agendamentos": 2, "brm": 3}


def _modulos() -> dict[str, Path]:
    modulos = {}
    for pacote in PACOTES:
        for arquivo in (RAIZ / pacote).rglob("*.py"):
            partes = arquivo.relative_to(RAIZ).with_suffix("").parts
            if "tests" in partes or "migrations" in partes:
                continue
            if partes[-1] == "__init__":
                partes = partes[:-1]
            modulos[".".join(partes)] = arquivo
    return modulos


def _importacoes(arquivo: Path, conhecidos) -> set[str]:
    """Os módulos do projeto que o arquivo importa (`from x import y` conta `x.y` se for módulo)."""
    alvos = set()
    for no in ast.walk(ast.parse(arquivo.read_text(encoding="utf-8"))):
        if isinstance(no, ast.Import):
            nomes = [apelido.name for apelido in no.names]
        elif isinstance(no, ast.ImportFrom) and no.module and no.level == 0:
            nomes = [no.module] + [f"{no.module}.{apelido.name}" for apelido in no.names]
        else:
            continue
        alvos |= {nome for nome in nomes if nome in conhecidos}
    return alvos


def _grafo() -> dict[str, set[str]]:
    modulos = _modulos()
    return {nome: _importacoes(arquivo, modulos) - {nome} for nome, arquivo in modulos.items()}


def test_a_base_comum_nao_importa_os_apps_nem_o_projeto():
    de_baixo_para_cima = sorted(
        f"{origem} → {destino}"
        for origem, destinos in _grafo().items()
        if origem.split(".")[0] == "nucleo"
        for destino in destinos
        if destino.split(".")[0] in DOMINIO_E_PROJETO
    )
    assert de_baixo_para_cima == []


def test_nenhum_app_importa_os_de_cima():
    def andar(modulo: str) -> int:
        return ANDARES.get(modulo.split(".")[0], 0)

    de_baixo_para_cima = sorted(
        f"{origem} → {destino}"
        for origem, destinos in _grafo().items()
        for destino in destinos
        if andar(destino) > andar(origem)
    )
    assert de_baixo_para_cima == []


def test_nenhum_modulo_importa_quem_o_importa():
    grafo = _grafo()
    ciclos = _componentes_com_ciclo(grafo)
    assert ciclos == [], "Importações em círculo:\n" + "\n".join(" ↔ ".join(c) for c in ciclos)


def _componentes_com_ciclo(grafo: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan: os grupos de módulos em que cada um alcança todos os outros."""
    indice, menor, pilha, na_pilha, grupos = {}, {}, [], set(), []
    contador = [0]

    def visitar(no):
        indice[no] = menor[no] = contador[0]
        contador[0] += 1
        pilha.append(no)
        na_pilha.add(no)
        for vizinho in grafo.get(no, ()):
            if vizinho not in indice:
                visitar(vizinho)
                menor[no] = min(menor[no], menor[vizinho])
            elif vizinho in na_pilha:
                menor[no] = min(menor[no], indice[vizinho])
        if menor[no] == indice[no]:
            grupo = []
            while True:
                topo = pilha.pop()
                na_pilha.discard(topo)
                grupo.append(topo)
                if topo == no:
                    break
            if len(grupo) > 1:
                grupos.append(sorted(grupo))

    for no in sorted(grafo):
        if no not in indice:
            visitar(no)
    return grupos


def test_o_teste_de_ciclos_acha_um_ciclo():
    assert _componentes_com_ciclo({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [
        ["a", "b", "c"]
    ]
