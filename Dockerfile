# Uma imagem para o web, o worker, a migração e o simulador (compose.yaml escolhe o comando).

# --- construção: as dependências num venv; ferramentas de compilação não vão para a final --------
FROM python:3.11-slim-bookworm AS construcao
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
COPY requirements/base.txt /tmp/base.txt
RUN /opt/venv/bin/pip install -r /tmp/base.txt

# --- final: só o Python, o venv e o código ---------------------------------------------------------
FROM python:3.11-slim-bookworm
# No contêiner o app escuta em todas as interfaces (a porta publicada decide quem chega a ele).
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PATH=/opt/venv/bin:$PATH \
    HOST=0.0.0.0 PORT=5050 MEDIA_ROOT=/dados/faturas
RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin brm \
    && mkdir -p /dados/faturas && chown brm /dados/faturas
COPY --from=construcao /opt/venv /opt/venv
WORKDIR /app
# O código pertence ao root: o usuário do app lê, não altera. Só /dados/faturas é gravável.
COPY . .
# collectstatic só precisa de uma chave qualquer; as de verdade vêm do ambiente na execução.
RUN SECRET_KEY=build FIELD_ENCRYPTION_KEY=_h_-gDSLW9ZepOmihETjFadVJ5ypwCfPWP3gMoESG5g= \
    python manage.py collectstatic --noinput
USER brm
EXPOSE 5050
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 CMD ["python", "scripts/saude"]
CMD ["gunicorn", "-c", "gunicorn.conf.py", "brm.asgi:application"]
