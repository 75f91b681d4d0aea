FROM family/base:1
WORKDIR /srv/worker
COPY --chown=app:app services/worker/ ./
USER app
EXPOSE 9090
CMD ["./worker"]
