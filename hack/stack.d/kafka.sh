# A single Kafka 3.9 broker in KRaft mode (combined broker and controller). Sourced by stack.sh.

kafka_up() {
  local home="$SCHEMASHIFT_CACHE/kafka-$KAFKA_VERSION" d="$STACK_DIR/data/kafka"
  local port="${PORTS[kafka]}" cport="${PORTS[kafka-controller]}"
  mkdir -p "$d"
  # Two listeners: loopback for the host, the bridge address (advertised as itself) for pods.
  local bridge=""
  node_enabled && bridge=",BRIDGE://$NODE_IP:${PORTS[kafka-bridge]}"
  cat >"$STACK_DIR/kafka.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$cport
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport$bridge
advertised.listeners=PLAINTEXT://127.0.0.1:$port$bridge
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,BRIDGE:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$d/logs
num.partitions=3
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
log.retention.hours=24
PROPS
  local java=(java -Xms256m -Xmx512m -XX:+UseG1GC -Djava.awt.headless=true
    "-Dlog4j.configuration=file:$STACK_DIR/kafka-log4j.properties" -cp "$home/libs/*")
  cat >"$STACK_DIR/kafka-log4j.properties" <<'L4J'
log4j.rootLogger=WARN, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.server.KafkaServer=INFO
log4j.logger.kafka.server.BrokerServer=INFO
L4J
  if [[ ! -f "$d/logs/meta.properties" ]]; then
    "${java[@]}" kafka.tools.StorageTool format -t "$(uuid_base64)" -c "$STACK_DIR/kafka.properties" \
      >"$STACK_DIR/logs/kafka-format.log" 2>&1 \
      || { tail -n 20 "$STACK_DIR/logs/kafka-format.log" >&2; die "kafka: storage format failed"; }
  fi
  start_component kafka "kcat -b 127.0.0.1:$port -L -m 2 -t __probe_none" 120 \
    "${java[@]}" kafka.Kafka "$STACK_DIR/kafka.properties"
}

# A random Kafka cluster id: 16 random bytes, URL-safe base64 without padding.
uuid_base64() { python3 -c 'import base64,os; print(base64.urlsafe_b64encode(os.urandom(16)).decode().rstrip("="))'; }
