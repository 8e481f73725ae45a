"""As páginas de cada pessoa: o perfil (com as preferências de notificação) e o sino."""

from django.contrib import admin, messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from notificacoes.forms import Preferencias
from notificacoes.models import Canal, Notificacao, Preferencia, escolhas_de, marcar_lidas
from nucleo.permissoes import Capacidade, pode

POR_PAGINA = 50


def _equipe(request):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not pode(request.user, Capacidade.LER):
        raise PermissionDenied
    return None


def _pagina(request, contexto: dict, modelo: str):
    return render(request, modelo, {**admin.site.each_context(request), **contexto})


def perfil(request):
    """Quem a pessoa é e o que recebe, por e-mail e no sino, de cada tipo que pode receber."""
    if (resposta := _equipe(request)) is not None:
        return resposta
    escolhas = escolhas_de(request.user)
    formulario = Preferencias(request.POST or None, escolhas=escolhas)
    if request.method == "POST" and formulario.is_valid():
        _guardar(request.user, formulario.escolhidas())
        messages.success(request, "Preferências de notificação guardadas.")
        return redirect("notificacoes_perfil")
    return _pagina(
        request,
        {"title": "Meu perfil", "formulario": formulario, "canais": _canais()},
        "notificacoes/perfil.html",
    )


def _canais() -> list[str]:
    return [Canal.EMAIL.label, Canal.APP.label]


@transaction.atomic
def _guardar(usuario, escolhidas: dict[tuple[str, str], bool]) -> None:
    for (tipo, canal), ligada in escolhidas.items():
        Preferencia.objects.update_or_create(
            usuario=usuario, tipo=tipo, canal=canal, defaults={"ligada": ligada}
        )


def caixa(request):
    """As notificações do sino da pessoa, das mais novas às mais antigas."""
    if (resposta := _equipe(request)) is not None:
        return resposta
    minhas = Notificacao.objects.filter(destinatario=request.user, canal=Canal.APP).order_by(
        "-criado_em", "-id"
    )
    pagina = Paginator(minhas, POR_PAGINA).get_page(request.GET.get("pagina"))
    return _pagina(request, {"title": "Notificações", "pagina": pagina}, "notificacoes/caixa.html")


@require_POST
def marcar_como_lida(request, pk):
    if (resposta := _equipe(request)) is not None:
        return resposta
    # Só as da própria pessoa: a de outra não existe para ela.
    get_object_or_404(Notificacao, pk=pk, destinatario=request.user, canal=Canal.APP)
    marcar_lidas(request.user, ids=[pk])
    return redirect("notificacoes_caixa")


@require_POST
def marcar_todas_como_lidas(request):
    if (resposta := _equipe(request)) is not None:
        return resposta
    marcadas = marcar_lidas(request.user)
    messages.success(request, f"{marcadas} notificação(ões) marcada(s) como lida(s).")
    return redirect("notificacoes_caixa")
