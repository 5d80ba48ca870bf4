# Production image: gunicorn on port 8000. Configure with DATABASE_URL, SECRET_KEY, REDIS_URL.
FROM python:3.11-slim-bookworm
RUN apt-get update && apt-get install -y --no-install-recommends \
        libharfbuzz-subset0 libpango-1.0-0 libpangoft2-1.0-0 fonts-wqy-microhei postgresql-client nodejs npm make \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY . .
# The Makefile's own targets vendor htmx and compile the translations; .installed marks the venv done.
RUN python -m venv .venv && .venv/bin/pip install --no-cache-dir . \
    && touch .venv/.installed && make static translations && rm -rf node_modules
# No proxy is assumed: `docker run -p 8000:8000` faces clients directly, and trusting X-Forwarded-For there
# would let anyone pick the address that sign-in throttling counts. Behind nginx/Caddy: -e JXC_PROXY_HOPS=1.
ENV JXC_INSTANCE=/data JXC_PROXY_HOPS=0
VOLUME /data
EXPOSE 8000
CMD ["sh", "-c", ".venv/bin/flask --app wsgi db upgrade && exec .venv/bin/gunicorn --workers ${WEB_CONCURRENCY:-4} --bind 0.0.0.0:8000 wsgi:app"]
