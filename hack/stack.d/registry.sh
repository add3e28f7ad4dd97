# Apicurio Registry 3.x with in-memory storage; its Confluent-compatible API is at
# /apis/ccompat/v7. Sourced by stack.sh.

registry_up() {
  local home="$SCHEMASHIFT_CACHE/apicurio-$APICURIO_VERSION/app" port="${PORTS[schema-registry]}"
  # 3.0.x ships a legacy runner jar, later releases the quarkus-app layout.
  local jar="" candidate
  for candidate in "$home"/quarkus-run.jar "$home"/*-runner.jar; do
    [[ -f "$candidate" ]] && { jar="$candidate"; break; }
  done
  [[ -n "$jar" ]] || die "schema-registry: no runnable jar in $home (rerun hack/tools.sh apicurio)"
  start_component schema-registry \
    "curl -sf --max-time 2 http://127.0.0.1:$port/apis/ccompat/v7/subjects" 180 \
    env APICURIO_REST_DELETION_ARTIFACT_ENABLED=true APICURIO_REST_DELETION_ARTIFACT_VERSION_ENABLED=true \
    APICURIO_REST_DELETION_GROUP_ENABLED=true java -Xms128m -Xmx512m -Djava.awt.headless=true \
    -Dquarkus.http.host=127.0.0.1 -Dquarkus.http.port="$port" \
    -Dquarkus.management.enabled=false -Dquarkus.log.level=WARN \
    -jar "$jar"
}
