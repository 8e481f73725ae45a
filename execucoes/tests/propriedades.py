"""Propriedades conferidas depois de todo teste que usa um simulador exclusivo (`conftest`).

Valem a qualquer momento, mesmo com o teste parado no meio do caminho:
- nenhum job do robô pertence a duas execuções, nem a execução de outro processo que não aquele
  para o qual o robô o criou;
- nenhuma linha do robô gravada mais vezes do que o robô a emitiu;
- toda fatura baixada pelo robô menciona o cliente do seu processo.
(“Nada fica PENDENTE ou EXECUTANDO” exige esperar o sistema sossegar: está em `garantias.py`,
conferida depois de cada teste de `test_garantias.py`.)
"""

from collections import Counter

from execucoes.models import Execucao
from execucoes.saneamento import CONTROLES
from processos.fatura import texto_do_pdf
from processos.models import Processo


def conferir(sim) -> list[str]:
    motor = sim.contexto.motor
    with motor._cond:
        jobs = {
            job_id: (
                job.processo_id,
                Counter(CONTROLES.sub("", linha.mensagem) for linha in job.logs),
            )
            for job_id, job in motor._jobs.items()
        }
    problemas = []
    donos = Counter(Execucao.objects.exclude(job_id="").values_list("job_id", flat=True))
    problemas += [f"o job {job} pertence a {n} execuções" for job, n in donos.items() if n > 1]
    for execucao in Execucao.objects.filter(job_id__in=list(jobs)):
        processo_do_job, linhas_do_robo = jobs[execucao.job_id]
        if processo_do_job and processo_do_job != str(execucao.processo_id):
            problemas.append(
                f"a execução {execucao.pk} (processo {execucao.processo_id}) ficou com o job "
                f"{execucao.job_id}, criado para o processo {processo_do_job}"
            )
        gravadas = Counter(
            execucao.logs.filter(chave__startswith="r:").values_list("mensagem", flat=True)
        )
        if sobra := gravadas - linhas_do_robo:
            problemas.append(f"a execução {execucao.pk} gravou linhas a mais: {dict(sobra)}")
    for processo in Processo.objects.exclude(fatura="").filter(upload_manual=False):
        with processo.fatura.open("rb") as arquivo:
            texto = texto_do_pdf(arquivo.read())
        if not processo.cliente.mencao_em(texto):
            problemas.append(f"a fatura do processo {processo.pk} não menciona o cliente dele")
    return problemas
