# The yishi binary on a slim Debian. Build: docker build -t yishi .
FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p yishi-api --bin yishi

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates libssl3 curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --home /app yishi
WORKDIR /app
COPY --from=build /src/target/release/yishi /usr/local/bin/yishi
USER yishi
ENV YISHI_BIND=0.0.0.0:8080 YISHI_METRICS_BIND=0.0.0.0:9464
EXPOSE 8080 9464
HEALTHCHECK --interval=10s --timeout=2s CMD curl -fs http://127.0.0.1:8080/healthz || exit 1
ENTRYPOINT ["yishi"]
CMD ["serve"]
