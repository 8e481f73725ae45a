"""Métricas para o Prometheus em `/metrics`: os pedidos (contados por cada processo web, somados
pelo modo multiprocesso do prometheus-client quando há `PROMETHEUS_MULTIPROC_DIR`) e o domínio,
lido do banco na hora da coleta — o que os workers fazem está no banco, então qualquer réplica
web responde pelo sistema inteiro.

Acesso: só os endereços de `METRICAS_IPS` ou quem mostrar `Authorization: Bearer <METRICAS_TOKEN>`.
"""

import os
import time

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.db.models import Count
from django.http import HttpResponse, HttpResponseForbidden
from django.utils import timezone
from django.views.decorators.http import require_GET
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily, HistogramMetricFamily

from agendamentos.models import ExecucaoAgendamento
from execucoes.models import EstadoRPA, Execucao, StatusExecucao
from execucoes.token_rpa import token_recusado
from notificacoes.models import Notificacao, StatusNotificacao
from nucleo.metricas import acesso_permitido

PEDIDOS = Counter(
    "brm_http_pedidos", "Pedidos respondidos pelo app web.", ["metodo", "rota", "status"]
)
DURACAO = Histogram(
    "brm_http_duracao_segundos", "Tempo de resposta dos pedidos.", ["metodo", "rota"]
)
# Segundos de atraso da consulta de /status de um job, em relação à hora marcada.
FAIXAS_DO_ATRASO = (1, 5, 15, 60, 300, 900)


class MetricasDoPedido:
    """Conta cada pedido pela rota (o padrão da URL, não o caminho com ids)."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response) -> None:
        self.get_response = get_response
        if iscoroutinefunction(get_response):
            markcoroutinefunction(self)

    def __call__(self, request):
        if iscoroutinefunction(self):
            return self._acall(request)
        inicio = time.monotonic()
        return self._contar(request, self.get_response(request), inicio)

    async def _acall(self, request):
        inicio = time.monotonic()
        return self._contar(request, await self.get_response(request), inicio)

    def _contar(self, request, resposta, inicio: float):
        casada = getattr(request, "resolver_match", None)
        rota = casada.route if casada else "desconhecida"
        PEDIDOS.labels(request.method, rota, resposta.status_code).inc()
        DURACAO.labels(request.method, rota).observe(time.monotonic() - inicio)
        return resposta


class Dominio:
    """Os números do domínio, com consultas baratas (índices ou tabelas pequenas)."""

    def collect(self):
        yield self._execucoes_ativas()
        yield GaugeMetricFamily(
            "brm_despacho_pausado",
            "1 quando a API RPA recusou o token e o despacho espera.",
            value=int(token_recusado()),
        )
        estado = EstadoRPA.atual()
        yield GaugeMetricFamily(
            "brm_stream_eventos_conectado",
            "1 quando um worker segue o /events/logs da API RPA.",
            value=int(estado.stream_conectado),
        )
        yield GaugeMetricFamily(
            "brm_notificacoes_pendentes",
            "Notificações na caixa de saída esperando envio.",
            value=Notificacao.objects.filter(status=StatusNotificacao.PENDENTE).count(),
        )
        yield self._agendamentos()
        yield self._atraso_do_status()

    def _execucoes_ativas(self) -> GaugeMetricFamily:
        familia = GaugeMetricFamily(
            "brm_execucoes_ativas",
            "Execuções na fila (PENDENTE) e rodando (EXECUTANDO), por operadora.",
            labels=["operadora", "status"],
        )
        linhas = (
            Execucao.objects.filter(status__in=[StatusExecucao.PENDENTE, StatusExecucao.EXECUTANDO])
            .values_list("processo__cliente__operadora__codigo", "status")
            .annotate(total=Count("id"))
            .order_by()
        )
        for operadora, status, total in linhas:
            familia.add_metric([operadora, status], total)
        return familia

    def _agendamentos(self) -> GaugeMetricFamily:
        familia = GaugeMetricFamily(
            "brm_agendamentos_execucoes",
            "Execuções de agendamentos guardadas no histórico, por resultado.",
            labels=["resultado"],
        )
        linhas = (
            ExecucaoAgendamento.objects.values_list("resultado")
            .annotate(total=Count("id"))
            .order_by()
        )
        for resultado, total in linhas:
            familia.add_metric([resultado], total)
        return familia

    def _atraso_do_status(self) -> HistogramMetricFamily:
        """Quanto passou da hora marcada a consulta de /status de cada job rodando agora."""
        agora = timezone.now()
        atrasos = [
            (agora - marcada).total_seconds()
            for marcada in Execucao.objects.filter(
                status=StatusExecucao.EXECUTANDO, proxima_consulta_em__lte=agora
            ).values_list("proxima_consulta_em", flat=True)
        ]
        faixas = [(str(limite), sum(a <= limite for a in atrasos)) for limite in FAIXAS_DO_ATRASO]
        return HistogramMetricFamily(
            "brm_consulta_status_atraso_segundos",
            "Jobs em execução com a consulta de /status atrasada, pelo atraso.",
            buckets=[*faixas, ("+Inf", len(atrasos))],
            sum_value=sum(atrasos),
        )


def pode_ler(request) -> bool:
    return acesso_permitido(
        request.META.get("REMOTE_ADDR", ""), request.headers.get("Authorization", "")
    )


@require_GET
def metrics(request) -> HttpResponse:
    if not pode_ler(request):
        return HttpResponseForbidden("Acesso às métricas negado.\n", content_type="text/plain")
    return HttpResponse(generate_latest(registro()), content_type=CONTENT_TYPE_LATEST)


def registro() -> CollectorRegistry:
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        registro = CollectorRegistry()
        multiprocess.MultiProcessCollector(registro)
    else:
        registro = CollectorRegistry()
        registro.register(_ProcessoAtual())
    registro.register(Dominio())
    return registro


class _ProcessoAtual:
    """As métricas deste processo (sem modo multiprocesso: um processo web só)."""

    def collect(self):
        yield from REGISTRY.collect()
