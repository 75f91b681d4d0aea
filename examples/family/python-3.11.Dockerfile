FROM python:3.11-slim
ENV PIP_NO_CACHE_DIR=1
RUN pip install --upgrade pip
COPY --from=family/base:1 /usr/bin/tini /usr/bin/tini
ENTRYPOINT ["/usr/bin/tini", "--", "python"]
