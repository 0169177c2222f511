#!/usr/bin/env bash
# Starts the packaged jar for benchmarks: production mode against this machine's PostgreSQL
# (database flashsale_bench, created fresh) and Redis, trusted-header identity on (wrk sends
# X-User-Id), a known admin key, and the bench profile (a no-op endpoint, the ceiling).
# The load generator is one address sending tens of thousands of requests a second, so the
# per-address limits are raised out of its way; the per-user limits keep their production values.
# LIMITS=off switches every rate limit off (to measure what they cost); JAR=... runs another build.
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
FLASHSALE_LIMITS_ENABLED=$([ "${LIMITS:-on}" = off ] && echo false || echo true) \
FLASHSALE_LIMITS_PURCHASE_PER_ADDRESS=${FLASHSALE_LIMITS_PURCHASE_PER_ADDRESS:-1000000000/1s} \
FLASHSALE_LIMITS_READS_PER_ADDRESS=${FLASHSALE_LIMITS_READS_PER_ADDRESS:-1000000000/1s} \
FLASHSALE_LIMITS_STREAMS_PER_ADDRESS=${FLASHSALE_LIMITS_STREAMS_PER_ADDRESS:-10000} \
exec "$JAVA" ${JAVA_OPTS:-} -jar "${JAR:-target/flash-sale-0.1.0-SNAPSHOT.jar}" "$@"
