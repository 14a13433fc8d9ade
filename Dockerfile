# One image for every Fennel process: `docker run fennel worker …`, `docker run fennel api …`.
# Configuration comes from FENNEL_* environment variables (docs/configuration.md).
FROM maven:3.9-eclipse-temurin-21 AS build
WORKDIR /src
COPY pom.xml .
COPY .mvn .mvn
COPY build build
COPY task-api task-api
COPY protocol protocol
COPY kafka-admin kafka-admin
COPY dev-broker dev-broker
COPY testkit testkit
COPY producer producer
COPY processor processor
COPY coordinator coordinator
COPY results-api results-api
COPY beat beat
COPY cli cli
RUN mvn -B -ntp -q -DskipTests -DskipITs package

FROM eclipse-temurin:21-jre
RUN groupadd --system fennel && useradd --system --gid fennel --home-dir /app fennel
WORKDIR /app
COPY --from=build /src/cli/target/fennel.jar /app/fennel.jar
# Only what a worker or the API runs: cli/target/lib leaves out the dev broker (Kafka server, Scala).
COPY --from=build /src/cli/target/lib /app/lib
USER fennel
# The API listens on every address of the container: it then refuses to start without a token
# (FENNEL_API_TOKEN or FENNEL_API_TOKEN_FILE), unless told FENNEL_API_INSECURE_NO_TOKEN=true.
ENV FENNEL_API_HOST=0.0.0.0 FENNEL_METRICS_HOST=0.0.0.0
# A container has its ports to itself, and Prometheus scrapes these: given, so never another one.
ENV FENNEL_METRICS_PORT=9464 FENNEL_BEAT_METRICS_PORT=9465
EXPOSE 8080 9464 9465
ENTRYPOINT ["java", "--enable-native-access=ALL-UNNAMED", "-cp", "/app/fennel.jar", "dev.fennel.cli.Fennel"]
CMD ["--help"]
