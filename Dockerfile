FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PORT=5050
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
