"""A capacidade do robô de cada operadora: jobs simultâneos, pelo menos 1."""

import pytest
from django.db import IntegrityError

from brm.fabricas import api_de, criar_operadora
from operadoras.models import Operadora

pytestmark = pytest.mark.django_db


def test_operadora_nova_roda_ate_5_jobs_juntos():
    assert criar_operadora("VIVO").jobs_simultaneos == 5


def test_banco_recusa_capacidade_zero():
    criar_operadora("VIVO")
    with pytest.raises(IntegrityError):
        Operadora.objects.update(jobs_simultaneos=0)


def test_administrador_muda_a_capacidade_no_admin(client, administrador):
    vivo = criar_operadora("VIVO")
    client.force_login(administrador)
    url = f"/admin/operadoras/operadora/{vivo.pk}/change/"
    formulario = client.get(url).context["adminform"].form
    dados = {
        nome: valor
        for nome, valor in formulario.initial.items()
        if valor is not None and nome in formulario.fields
    }

    zero = client.post(url, {**dados, "jobs_simultaneos": "0"})
    assert zero.status_code == 200
    assert "pelo menos 1 job simultâneo" in zero.content.decode()

    dez = client.post(url, {**dados, "jobs_simultaneos": "10"})
    assert dez.status_code == 302
    vivo.refresh_from_db()
    assert vivo.jobs_simultaneos == 10


def test_capacidade_pela_api_com_erro_claro():
    vivo = criar_operadora("VIVO")
    api = api_de("ADMINISTRADOR")
    url = f"/api/operadoras/{vivo.pk}/"
    resposta = api.patch(url, {"jobs_simultaneos": 0}, format="json")
    assert resposta.status_code == 400
    assert "maior ou igual a 1" in resposta.json()["jobs_simultaneos"][0]
    assert api.patch(url, {"jobs_simultaneos": 8}, format="json").json()["jobs_simultaneos"] == 8
