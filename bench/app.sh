#!/usr/bin/env bash
# Starts the packaged jar for benchmarks: production mode against this machine's PostgreSQL
# (database flashsale_bench, created fresh) and Redis, trusted-header identity on (wrk sends
# X-User-Id), a known admin key, and the bench profile (a no-op endpoint, the ceiling).
# Build first: ./mvnw -DskipTests package
set -euo pipefail
cd "$(dirname "$0")/.."
JAVA=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java
psql -h 127.0.0.1 -U postgres -q -c "DROP DATABASE IF EXISTS flashsale_bench WITH (FORCE)" -c "CREATE DATABASE flashsale_bench"
SPRING_DATASOURCE_URL=jdbc:postgresql://127.0.0.1:5432/flashsale_bench \
SPRING_DATASOURCE_USERNAME=postgres \
SPRING_DATA_REDIS_HOST=127.0.0.1 \
FLASHSALE_SECURITY_TRUSTED_HEADER_ENABLED=true \
FLASHSALE_SECURITY_JWT_SECRET=bench-secret-bench-secret-bench-secret-0123 \
FLASHSALE_SECURITY_ADMIN_KEY=bench-admin-key-0123456789 \
SPRING_PROFILES_ACTIVE=bench \
exec "$JAVA" ${JAVA_OPTS:-} -jar target/flash-sale-0.1.0-SNAPSHOT.jar "$@"
