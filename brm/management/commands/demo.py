import datetime as dt
import random
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from stdnum.br import cnpj

from agendamentos.models import Agendamento, TipoAgendamento
from clientes.importacao import importar_clientes
from clientes.models import Cliente
from contas.models import Perfil, Usuario
from execucoes.token_rpa import guardar_token
from notificacoes.eventos import enviar_resumo_mensal
from notificacoes.models import Canal, Preferencia, TipoNotificacao
from operadoras.models import Operadora
from processos.competencia import competencia_atual
from processos.criacao import criar_processos_mensais
from processos.models import Origem
from simulador.config import segredo_do_ambiente
from simulador.tokens import emitir_token

AMOSTRA = Path(settings.BASE_DIR) / "clientes" / "dados" / "clientes-exemplo.csv"

OPERADORAS = [
    # nome, código, possui robô, portal
    ("VIVO", "VIVO", True, "https://empresas.vivo.example/login"),
    ("EMBRATEL", "EMBRATEL", True, "https://embratel.example/online"),
    ("OI", "OI", True, "https://oi.example/empresas"),
    ("DIGITALNET", "DIGITALNET", True, "https://digitalnet.example/cliente"),
    ("AZUTON", "AZUTON", False, "https://azuton.example/faturas"),
]

USUARIOS = [
    # usuário, nome, perfil, senha de desenvolvimento
    ("admin", "Ana Administradora", Perfil.ADMINISTRADOR, "brm-admin"),
    ("aprovador", "Paulo Aprovador", Perfil.APROVADOR, "brm-aprovador"),
    ("operador", "Olga Operadora", Perfil.OPERADOR, "brm-operador"),
]

EMPRESAS = [
    "PADARIA PAO DOURADO",
    "LOGISTICA ESTRELA",
    "MOVEIS SANTA RITA",
    "AUTO PECAS CENTRAL",
    "LABORATORIO VIDA NOVA",
    "COOPERATIVA AGRO SUL",
    "ACADEMIA CORPO EM FORMA",
    "PAPELARIA LAPIS DE COR",
    "OTICA VISAO CLARA",
    "RESTAURANTE SABOR CASEIRO",
]
AGENDAMENTOS = [
    # nome, tipo, expressão, ativo
    ("Criação mensal dos processos", TipoAgendamento.CRIAR_PROCESSOS, "0 6 1 * *", True),
    ("Downloads dos dias úteis", TipoAgendamento.BAIXAR_FATURAS, "0 8 * * 1-5", True),
    ("Envio das aprovadas ao SAT", TipoAgendamento.ENVIAR_AO_SAT, "30 12 * * *", True),
    ("Resumo do mês por e-mail", TipoAgendamento.RESUMO_MENSAL, "0 9 1 * *", True),
]
# Este roda um minuto depois de o demo terminar, para se ver o worker agir sozinho.
LOGO_DEPOIS = "Downloads dos dias úteis"

SERVICOS = [("Internet", "Link Dedicado"), ("Móvel", "Celular"), ("Telefonia", "Fixo")]
CIDADES = ["Campo Grande-MS", "São Paulo-SP", "Curitiba-PR", "Cuiabá-MT", "Dourados-MS"]


def _cnpj(sorteio: random.Random, filial: int) -> str:
    base = f"{sorteio.randrange(10**7, 10**8)}{filial:04d}"
    return cnpj.format(base + cnpj.calc_check_digits(base))


class Command(BaseCommand):
    help = "Carrega dados de demonstração (idempotente). Só com DEBUG=true."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("O comando demo só roda em desenvolvimento (DEBUG=true).")
        self._operadoras()
        resultado = importar_clientes(AMOSTRA.read_bytes())
        self.stdout.write(f"Amostra de clientes: {resultado.resumo()}")
        self._clientes_gerados()
        criacao = criar_processos_mensais(competencia=competencia_atual(), origem=Origem.COMANDO)
        self.stdout.write(criacao.mensagem())
        self._usuarios()
        self._agendamentos()
        self._notificacoes()

    def _operadoras(self) -> None:
        for nome, codigo, possui_rpa, portal in OPERADORAS:
            Operadora.objects.update_or_create(
                codigo=codigo,
                defaults={
                    "nome": nome,
                    "possui_rpa": possui_rpa,
                    "url_portal": portal,
                    "ativo": True,
                },
            )

    def _clientes_gerados(self) -> None:
        sorteio = random.Random(2026)
        operadoras = list(Operadora.objects.order_by("codigo"))
        for indice, empresa in enumerate(EMPRESAS):
            numero = sorteio.randrange(10**9, 10**10)
            for filial in (1, 2):
                servico, dados_sat = sorteio.choice(SERVICOS)
                Cliente.objects.get_or_create(
                    hash_unico=f"demo{indice:02d}{filial}",
                    defaults={
                        "razao_social": f"{empresa} LTDA",
                        "nome_sat": empresa,
                        "cnpj": _cnpj(sorteio, filial),
                        "operadora": operadoras[(indice + filial) % len(operadoras)],
                        "filtro": str(numero + filial),
                        "servico": servico,
                        "dados_sat": dados_sat,
                        "unidade": sorteio.choice(CIDADES),
                        "login_portal": f"financeiro@{empresa.split()[0].lower()}.example",
                        "senha_portal": f"senha-demo-{indice}{filial}",
                    },
                )
        self.stdout.write(f"Clientes no total: {Cliente.objects.count()}")

    def _usuarios(self) -> None:
        self.stdout.write("Usuários de desenvolvimento (usuário / senha):")
        for username, nome, perfil, senha in USUARIOS:
            usuario, _ = Usuario.objects.get_or_create(
                username=username,
                defaults={"nome": nome, "perfil": perfil, "email": f"{username}@brm.example"},
            )
            usuario.perfil = perfil
            usuario.set_password(senha)
            usuario.save()
            if perfil == Perfil.ADMINISTRADOR and not usuario.api_externa_token:
                # Um token aceito pelo simulador local (mesmo segredo de desenvolvimento).
                guardar_token(usuario, emitir_token(segredo_do_ambiente()))
            self.stdout.write(f"  {username} / {senha}  ({usuario.get_perfil_display()})")

    def _agendamentos(self) -> None:
        for nome, tipo, expressao, ativo in AGENDAMENTOS:
            Agendamento.objects.get_or_create(
                nome=nome, defaults={"tipo": tipo, "expressao": expressao, "ativo": ativo}
            )
        daqui_a_pouco = timezone.now() + dt.timedelta(minutes=1)
        Agendamento.objects.filter(nome=LOGO_DEPOIS).update(ativo=True, proxima_em=daqui_a_pouco)
        self.stdout.write(
            f"Agendamentos: {Agendamento.objects.count()}; “{LOGO_DEPOIS}” roda às "
            f"{timezone.localtime(daqui_a_pouco):%H:%M:%S} (Admin → Agendamentos)."
        )

    def _notificacoes(self) -> None:
        """Toda a equipe de demonstração assina o resumo do mês: o sino de cada um já tem uma
        notificação, e o worker mostra os e-mails no console (EMAIL_URL padrão)."""
        for usuario in Usuario.objects.filter(username__in=[u[0] for u in USUARIOS]):
            for canal in (Canal.EMAIL, Canal.APP):
                Preferencia.objects.get_or_create(
                    usuario=usuario,
                    tipo=TipoNotificacao.RESUMO_MENSAL,
                    canal=canal,
                    defaults={"ligada": True},
                )
        novas = enviar_resumo_mensal(competencia_atual())
        self.stdout.write(f"Notificações: {novas} nova(s) na fila (resumo do mês).")
