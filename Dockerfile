# The service image. PostgreSQL runs in its own container (docker-compose.yml).
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    MUSTER_HOST=0.0.0.0 \
    MUSTER_DATA_DIR=/var/lib/muster

WORKDIR /app
COPY requirements.lock pyproject.toml README.md ./
RUN pip install --no-cache-dir -r requirements.lock
COPY service ./service
COPY migrations ./migrations
COPY surveys ./surveys
# Editable, so that the service finds migrations/ and surveys/ beside its package.
RUN pip install --no-cache-dir --no-deps -e . \
    && useradd --system --home /var/lib/muster --create-home muster
USER muster
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s CMD python -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=2)" || exit 1
CMD ["muster", "serve"]
