FROM family/base:1
WORKDIR /srv/api
COPY --chown=app:app services/api/ ./
USER app
EXPOSE 8080
CMD ["./api"]
