FROM python:3.11-slim-bookworm
# No contêiner o app escuta em todas as interfaces (a porta publicada decide quem chega a ele).
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 HOST=0.0.0.0 PORT=5050
WORKDIR /app
COPY requirements/base.txt requirements/base.txt
RUN pip install --no-cache-dir -r requirements/base.txt
COPY . .
# collectstatic só precisa de uma chave qualquer; as de verdade vêm do ambiente na execução.
RUN SECRET_KEY=build FIELD_ENCRYPTION_KEY=_h_-gDSLW9ZepOmihETjFadVJ5ypwCfPWP3gMoESG5g= \
    python manage.py collectstatic --noinput
RUN useradd --system --home /app brm && chown -R brm /app
USER brm
EXPOSE 5050
CMD ["gunicorn", "-c", "gunicorn.conf.py", "brm.asgi:application"]
