"""Configuração do projeto, lida do ambiente (e de um `.env`, quando existe); as variáveis estão
na tabela do README."""

import datetime as dt
import logging
import re
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from execucoes.prazos import conferir_prazos_do_envio

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    env.read_env(BASE_DIR / ".env")

logger = logging.getLogger("brm.settings")


def _obrigatoria(nome: str, valor_debug: str) -> str:
    """Em desenvolvimento há um valor padrão; em produção a variável é obrigatória."""
    if nome in env:
        return env.str(nome)
    if DEBUG:
        return valor_debug
    raise ImproperlyConfigured(
        f"Defina a variável de ambiente {nome} (obrigatória com DEBUG=false)."
    )


DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = _obrigatoria("SECRET_KEY", "dev-inseguro-nao-use-em-producao-" + "x" * 32)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Chaves Fernet separadas por vírgula; a primeira cifra, todas decifram (rotação).
FIELD_ENCRYPTION_KEY = env.list("FIELD_ENCRYPTION_KEY", default=[])
if not FIELD_ENCRYPTION_KEY and not DEBUG:
    raise ImproperlyConfigured("Defina a variável de ambiente FIELD_ENCRYPTION_KEY.")

INSTALLED_APPS = [
    "brm.apps.AdminBRMConfig",  # o django.contrib.admin, com o painel na página inicial
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "servestatic",  # confere a configuração dos estáticos (checks)
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework_simplejwt",
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "brm",
    "contas",
    "operadoras",
    "clientes",
    "processos",
    "execucoes",
    "agendamentos",
    "notificacoes",
]

GITHUB_ID = env.str("GITHUB_ID", default="")
GITHUB_SECRET = env.str("GITHUB_SECRET", default="")
if GITHUB_ID and GITHUB_SECRET:
    INSTALLED_APPS.append("allauth.socialaccount.providers.github")
    SOCIALACCOUNT_PROVIDERS = {
        "github": {"APPS": [{"client_id": GITHUB_ID, "secret": GITHUB_SECRET, "key": ""}]}
    }

MIDDLEWARE = [
    "brm.middleware.IdDoPedido",  # primeiro: toda linha de log do pedido leva o id
    "brm.metricas.MetricasDoPedido",
    "django.middleware.security.SecurityMiddleware",
    "servestatic.middleware.ServeStaticMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "brm.urls"
WSGI_APPLICATION = "brm.wsgi.application"
ASGI_APPLICATION = "brm.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "brm.context_processors.avisos",
                "notificacoes.contexto.sino",
            ],
        },
    },
]

# --- Banco de dados -------------------------------------------------------------------------
SQLITE_PADRAO = f"sqlite:///{BASE_DIR / 'db.sqlite3'}"


def _url_do_banco() -> str:
    if "DATABASE_URL" in env:
        return env.str("DATABASE_URL")
    if "DB_ENGINE" in env:  # variáveis do sistema antigo (Flask)
        motor = env.str("DB_ENGINE").lower()
        esquema = "postgres" if motor.startswith("postg") else motor
        if esquema == "sqlite":
            return SQLITE_PADRAO
        return (
            f"{esquema}://{env.str('DB_USERNAME', default='')}:{env.str('DB_PASS', default='')}"
            f"@{env.str('DB_HOST', default='127.0.0.1')}:{env.str('DB_PORT', default='5432')}"
            f"/{env.str('DB_NAME', default='brm')}"
        )
    return SQLITE_PADRAO


def _postgres_alcancavel(config: dict) -> bool:
    import psycopg

    try:
        psycopg.connect(
            dbname=config["NAME"],
            user=config.get("USER") or None,
            password=config.get("PASSWORD") or None,
            host=config.get("HOST") or None,
            port=config.get("PORT") or None,
            connect_timeout=3,
        ).close()
    except psycopg.OperationalError:
        return False
    return True


BANCO_PRINCIPAL = env.db_url_config(_url_do_banco())
BANCO_FALLBACK_ATIVO = False
if (
    env.bool("DB_FALLBACK_SQLITE", default=False)
    and "postgresql" in BANCO_PRINCIPAL["ENGINE"]
    and not _postgres_alcancavel(BANCO_PRINCIPAL)
):
    logger.warning(
        "PostgreSQL unreachable at %s:%s; DB_FALLBACK_SQLITE is on, running on SQLite (%s). "
        "Data written now will NOT be in PostgreSQL.",
        BANCO_PRINCIPAL.get("HOST"),
        BANCO_PRINCIPAL.get("PORT"),
        BASE_DIR / "db.sqlite3",
    )
    BANCO_PRINCIPAL = env.db_url_config(SQLITE_PADRAO)
    BANCO_FALLBACK_ATIVO = True

DATABASES = {"default": BANCO_PRINCIPAL}
DATABASES["default"].setdefault("ATOMIC_REQUESTS", False)
if "sqlite" in DATABASES["default"]["ENGINE"]:
    # WAL e espera por bloqueio: o worker e o servidor web escrevem no mesmo arquivo.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["TEST"] = {"NAME": BASE_DIR / "db-test.sqlite3"}

if "postgresql" in DATABASES["default"]["ENGINE"] and env.bool("DB_POOL", default=True):
    # Um pool por processo (psycopg_pool): uma rajada de navegadores reconectando espera por uma
    # conexão livre em vez de estourar o max_connections do PostgreSQL.
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": 1,
        "max_size": env.int("DB_POOL_MAX", default=10),
        "timeout": env.float("DB_POOL_TIMEOUT", default=20.0),
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "contas.Usuario"

AUTHENTICATION_BACKENDS = [
    # Primeiro: responde sozinho, sem consultar o banco, às capacidades (nucleo.permissoes).
    "contas.permissoes.PermissoesDoPerfil",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Login (allauth) --------------------------------------------------------------------------
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/admin/"
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_RATE_LIMITS = {"login_failed": "5/5m/ip,5/5m/key"}
# Logado sem acesso vê o login (e pode trocar de conta), sem laço de redirects.
ACCOUNT_AUTHENTICATED_LOGIN_REDIRECTS = False
ACCOUNT_SESSION_REMEMBER = None  # a pessoa escolhe "Manter conectado"
ACCOUNT_ADAPTER = "contas.adapters.SemCadastroPublico"
# Um e-mail pertence a uma pessoa só: a página "E-mails" recusa o endereço de outra conta.
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_FORMS = {"add_email": "contas.forms.AdicionarEmail"}
SOCIALACCOUNT_ADAPTER = "contas.adapters.SocialSemCadastroPublico"

# --- Idioma e fuso ----------------------------------------------------------------------------
LANGUAGE_CODE = "pt-br"
TIME_ZONE = "America/Sao_Paulo"
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = True

# --- Arquivos ---------------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles"))).resolve()
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media"))).resolve()
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Onde os robôs deixam as faturas quando o resultado é uma chave, não uma URL
    # (docs/api-rpa.md §1).
    "faturas_rpa": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {
            "location": env.str("RPA_ARMAZENAMENTO_FATURAS", default=str(MEDIA_ROOT / "rpa"))
        },
    },
    "staticfiles": {
        "BACKEND": "servestatic.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# Arquivos vão para o disco só até o maior tamanho aceito; o resto é contado e recusado.
FILE_UPLOAD_HANDLERS = ["nucleo.uploads.ArquivoLimitado"]

# --- E-mail -----------------------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="BRM RPA <nao-responda@brm.local>")
# Sem prazo, um servidor SMTP pendurado prenderia o worker (e o envio em curso) para sempre.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)

# --- Notificações -----------------------------------------------------------------------------
# A base dos links das notificações (e-mail, webhook): o endereço do site visto de fora.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:5050")
# A hora (America/Sao_Paulo) dos resumos diários: faturas esperando aprovação e vencendo sem SAT.
NOTIFICACOES_HORA_RESUMO = env.str("NOTIFICACOES_HORA_RESUMO", default="08:00")
NOTIFICACOES_MAX_TENTATIVAS = env.int("NOTIFICACOES_MAX_TENTATIVAS", default=5)
NOTIFICACOES_ESPERA_BASE_SEGUNDOS = env.float("NOTIFICACOES_ESPERA_BASE_SEGUNDOS", default=60.0)

# --- API (DRF + JWT) --------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework_simplejwt.authentication.JWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["nucleo.api.PerfilPermite"],
    "DEFAULT_PAGINATION_CLASS": "nucleo.api.Paginas",
    # JSON aninhado demais e texto com NUL viram 400 na leitura do corpo (nunca um 500).
    "DEFAULT_PARSER_CLASSES": [
        "nucleo.api.LeitorJSON",
        "nucleo.api.LeitorFormulario",
        "nucleo.api.LeitorMultipart",
    ],
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "nucleo.api.Filtros",
        "nucleo.api.Busca",
        "rest_framework.filters.OrderingFilter",
    ],
    "SEARCH_PARAM": "busca",
    "ORDERING_PARAM": "ordem",
    "EXCEPTION_HANDLER": "nucleo.api_erros.tratar_excecao",
    "DEFAULT_SCHEMA_CLASS": "nucleo.api_esquema.EsquemaDaAPI",
    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.ScopedRateThrottle"],
    # O IP é o REMOTE_ADDR (o uvicorn já o corrige atrás do proxy de FORWARDED_ALLOW_IPS); um
    # X-Forwarded-For vindo do cliente não conta.
    "NUM_PROXIES": 0,
    "DEFAULT_THROTTLE_RATES": {"login": env.str("API_LIMITE_LOGIN", default="10/min")},
}
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": dt.timedelta(minutes=30),
    "REFRESH_TOKEN_LIFETIME": dt.timedelta(days=1),
    # Cada renovação devolve um token de renovação novo; o usado vai para a lista negra.
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    # O token leva um hash da senha: trocada a senha, os tokens de acesso dela deixam de valer.
    # Os de renovação vão para a lista negra (Usuario.encerrar_tokens_da_api).
    "CHECK_REVOKE_TOKEN": True,
    "CHECK_USER_IS_ACTIVE": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "BRM RPA — API",
    "DESCRIPTION": "Operadoras, clientes, processos (com as ações do fluxo) e execuções do robô. "
    "Autenticação: JWT (`POST /api/token/`, cabeçalho `Authorization: Bearer …`) ou a sessão "
    "do navegador. Perfis valem como no admin.",
    "VERSION": "1.0.0",
    "SERVE_PERMISSIONS": ["nucleo.api.PerfilPermite"],
    "SWAGGER_UI_DIST": "SIDECAR",  # sem CDN: os arquivos do Swagger UI saem do próprio app
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "StatusDoProcessoEnum": "processos.models.StatusProcesso",
        "StatusDaExecucaoEnum": "execucoes.models.StatusExecucao",
    },
}

# --- RPA API e fluxo --------------------------------------------------------------------------
API_EXTERNA_URL = env.str("API_EXTERNA_URL", default="http://127.0.0.1:8000")
API_EXTERNA_TOKEN = env.str("API_EXTERNA_TOKEN", default="")
BRM_TOKEN_PASSWORD = env.str("BRM_TOKEN_PASSWORD", default="")
RPA_MAX_TENTATIVAS = env.int("RPA_MAX_TENTATIVAS", default=3)
RPA_TIMEOUT_MINUTOS = env.int("RPA_TIMEOUT_MINUTOS", default=30)
# Jobs do robô rodando ao mesmo tempo, somadas todas as operadoras e o SAT (cada operadora tem
# ainda o seu limite, `Operadora.jobs_simultaneos`).
try:
    RPA_JOBS_SIMULTANEOS = env.int("RPA_JOBS_SIMULTANEOS", default=20)
except ValueError:
    raise ImproperlyConfigured("RPA_JOBS_SIMULTANEOS deve ser um número inteiro.") from None
# Espera antes da tentativa n+1 de um job que falhou: base * 2^(n-1) segundos.
RPA_ESPERA_BASE_SEGUNDOS = env.float("RPA_ESPERA_BASE_SEGUNDOS", default=60.0)
# De quanto em quanto tempo o worker consulta /status de um job em execução (sem aviso antes).
RPA_INTERVALO_CONSULTA_SEGUNDOS = env.float("RPA_INTERVALO_CONSULTA_SEGUNDOS", default=3.0)
# Prazo total de um POST que cria job (conexão incluída).
RPA_TEMPO_ENVIO_SEGUNDOS = env.float("RPA_TEMPO_ENVIO_SEGUNDOS", default=18.0)
# Um envio sem resposta há mais que isto é reconciliado com GET /jobs antes de qualquer reenvio.
RPA_ENVIO_SEM_RESPOSTA_SEGUNDOS = env.float("RPA_ENVIO_SEM_RESPOSTA_SEGUNDOS", default=30.0)
# Hosts (além da própria API RPA) de onde se aceita baixar a fatura — sem o token da API.
RPA_HOSTS_FATURA = env.list("RPA_HOSTS_FATURA", default=[])
TAMANHO_MAXIMO_FATURA = env.int("TAMANHO_MAXIMO_FATURA_MB", default=20) * 1024 * 1024
TAMANHO_MAXIMO_UPLOAD = TAMANHO_MAXIMO_FATURA  # o maior arquivo que o produto aceita
# Só o valor inicial: a migração agendamentos/0002 cria com ele o agendamento da criação mensal
# ("0 6 <dia> * *"); depois, quem manda é o agendamento (admin → Agendamentos).
PROCESSOS_DIA_CRIACAO = env.int("PROCESSOS_DIA_CRIACAO", default=1)
# Quantos dias depois de um agendamento de download as faturas que ainda faltam viram aviso.
AGENDAMENTOS_DIAS_PARA_AVISAR_DOWNLOADS = env.int(
    "AGENDAMENTOS_DIAS_PARA_AVISAR_DOWNLOADS", default=3
)
# O que o worker repete: a lista DEVERES do deveres.py de cada app, nesta ordem (nucleo.deveres).
DEVERES_DO_WORKER = [
    "execucoes.deveres.DEVERES",
    "agendamentos.deveres.DEVERES",
    "notificacoes.deveres.DEVERES",
]
QUATRO_OLHOS = env.bool("QUATRO_OLHOS", default=False)
# Na fila de aprovação, a variação do valor (contra o mês anterior e a média de 6 meses) que
# ganha destaque: além de ±20 %, por padrão.
APROVACAO_LIMIAR_VARIACAO = env.float("APROVACAO_LIMIAR_VARIACAO", default=20.0)
PORT = env.int("PORT", default=5050)
if APROVACAO_LIMIAR_VARIACAO < 0:
    raise ImproperlyConfigured("APROVACAO_LIMIAR_VARIACAO deve ser 0 ou mais (um percentual).")
if AGENDAMENTOS_DIAS_PARA_AVISAR_DOWNLOADS < 1:
    raise ImproperlyConfigured("AGENDAMENTOS_DIAS_PARA_AVISAR_DOWNLOADS deve ser 1 ou mais.")
if not 1 <= PROCESSOS_DIA_CRIACAO <= 28:
    raise ImproperlyConfigured("PROCESSOS_DIA_CRIACAO deve estar entre 1 e 28.")
if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", NOTIFICACOES_HORA_RESUMO):
    raise ImproperlyConfigured("NOTIFICACOES_HORA_RESUMO deve ser HH:MM (ex.: 08:00).")
if NOTIFICACOES_MAX_TENTATIVAS < 1:
    raise ImproperlyConfigured("NOTIFICACOES_MAX_TENTATIVAS deve ser pelo menos 1.")
if RPA_MAX_TENTATIVAS < 1:
    raise ImproperlyConfigured("RPA_MAX_TENTATIVAS deve ser pelo menos 1.")
if RPA_JOBS_SIMULTANEOS < 1:
    raise ImproperlyConfigured("RPA_JOBS_SIMULTANEOS deve ser pelo menos 1.")
conferir_prazos_do_envio(
    tempo_envio=RPA_TEMPO_ENVIO_SEGUNDOS, sem_resposta=RPA_ENVIO_SEM_RESPOSTA_SEGUNDOS
)

# --- Segurança (DEBUG desligado) --------------------------------------------------------------
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    # As sondas do orquestrador e o Prometheus falam HTTP direto com o contêiner.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
    CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"  # a visualização do PDF libera SAMEORIGIN só para si


# --- Cache compartilhado ----------------------------------------------------------------------
# Os limites de tentativas (login, token da API, callback do robô) contam no cache: ele tem de ser
# o mesmo para todas as réplicas. Padrão: a tabela `cache_brm` no próprio banco (criada pela
# migração brm/0001); `redis://host:6379/1` usa o Redis.
def _cache() -> dict:
    try:
        return env.cache_url("CACHE_URL", default="dbcache://cache_brm")
    except Exception as erro:
        raise ImproperlyConfigured(f"CACHE_URL inválida: {erro}") from None


CACHES = {"default": _cache()}

# --- Saúde e métricas -------------------------------------------------------------------------
# /readyz pergunta à API RPA se ela responde, sem derrubar a prontidão; espera no máximo isto.
SAUDE_PRAZO_RPA_SEGUNDOS = env.float("SAUDE_PRAZO_RPA_SEGUNDOS", default=1.0)
if not 0 < SAUDE_PRAZO_RPA_SEGUNDOS <= 10:
    raise ImproperlyConfigured("SAUDE_PRAZO_RPA_SEGUNDOS deve estar entre 0 e 10 segundos.")
# /metrics: quem pode ler — endereços (REMOTE_ADDR) ou quem mostrar o token (Authorization: Bearer).
METRICAS_IPS = env.list("METRICAS_IPS", default=["127.0.0.1", "::1"])
METRICAS_TOKEN = env.str("METRICAS_TOKEN", default="")
# O worker não tem HTTP: com uma porta, as métricas dele (deveres) saem em <endereço>:<porta>/.
METRICAS_PORTA_WORKER = env.int("METRICAS_PORTA_WORKER", default=0)
METRICAS_ENDERECO_WORKER = env.str("METRICAS_ENDERECO_WORKER", default="127.0.0.1")

# --- Logs -------------------------------------------------------------------------------------
# Produção (DEBUG desligado): uma linha JSON por evento na saída padrão. Desenvolvimento: texto.
LOG_JSON = env.bool("LOG_JSON", default=not DEBUG)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "contexto": {"()": "nucleo.logs.CamposDoContexto"},
        "sem_rastro_em_4xx": {"()": "nucleo.logs.SemRastroEm4xx"},
    },
    "formatters": {
        "simples": {
            "format": "%(asctime)s %(levelname)s %(name)s%(contexto_em_texto)s: %(message)s"
        },
        "json": {"()": "nucleo.logs.formatador_json"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "json" if LOG_JSON else "simples",
            "filters": ["contexto", "sem_rastro_em_4xx"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
