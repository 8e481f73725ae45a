from django.contrib import admin
from django.contrib.auth.decorators import user_passes_test
from django.shortcuts import render

from execucoes.conexao import testar_conexao


def _equipe(usuario) -> bool:
    return getattr(usuario, "pode_operar", False)


@user_passes_test(_equipe, login_url="admin:login")
def testar_conexao_view(request):
    contexto = {
        **admin.site.each_context(request),
        "title": "Testar conexão com a API RPA",
        "resultado": testar_conexao(),
    }
    return render(request, "rpa/testar_conexao.html", contexto)
