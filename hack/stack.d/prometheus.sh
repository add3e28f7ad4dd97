# Prometheus (Debian's package) for the `prometheus` gate provider and, later, for watching
# the services. It scrapes every second whatever is listed in $STACK_DIR/prometheus/targets/
# (file_sd: drop a JSON file there and the target is picked up without a restart), and
# itself. Sourced by stack.sh.

prometheus_up() {
  local port="${PORTS[prometheus]}" dir="$STACK_DIR/prometheus"
  mkdir -p "$dir/targets" "$dir/data"
  cat >"$dir/prometheus.yml" <<YAML
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: prometheus
    static_configs: [{targets: ['127.0.0.1:$port']}]
  - job_name: targets
    file_sd_configs:
      - files: ['$dir/targets/*.json']
        refresh_interval: 1s
YAML
  start_component prometheus \
    "curl -sf --max-time 2 http://127.0.0.1:$port/-/ready" 60 \
    prometheus --config.file="$dir/prometheus.yml" --storage.tsdb.path="$dir/data" \
    --web.listen-address="127.0.0.1:$port" --storage.tsdb.retention.time=2h --log.level=warn
}
