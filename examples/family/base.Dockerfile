FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates tini && rm -rf /var/lib/apt/lists/*
RUN useradd --create-home --uid 10001 app
ENTRYPOINT ["/usr/bin/tini", "--"]
