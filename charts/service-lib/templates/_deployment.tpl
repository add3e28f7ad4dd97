{{/*
The service's Deployment. The pod runs the service's image with the contract's environment
(docs/services.md): POD_NAME from the downward API, DATABASE_DSN from a Secret, the Kafka,
registry and customers addresses when the chart has them, and restricted pod security.
*/}}
{{- define "service-lib.deployment" -}}
{{- $graceMs := int (add .Values.shutdown.graceMs .Values.shutdown.drainDelayMs) -}}
{{- if ge $graceMs (int (mul .Values.terminationGracePeriodSeconds 1000)) -}}
{{- fail (printf "shutdown.graceMs + shutdown.drainDelayMs (%d ms) must be shorter than terminationGracePeriodSeconds (%d s), or the kubelet kills the pod before it has drained" $graceMs (int .Values.terminationGracePeriodSeconds)) -}}
{{- end -}}
{{- if and .Values.database.existingSecret .Values.database.dsn -}}
{{- fail "database.existingSecret and database.dsn exclude each other: name a Secret, or give the DSN for the chart to put in one" -}}
{{- end -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "service-lib.fullname" . }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "service-lib.labels" . | nindent 4 }}
spec:
  replicas: {{ .Values.replicaCount }}
  revisionHistoryLimit: 5
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxSurge: 1
      maxUnavailable: 0
  selector:
    matchLabels:
      {{- include "service-lib.selectorLabels" . | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "service-lib.labels" . | nindent 8 }}
        {{- with .Values.podLabels }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      annotations:
        prometheus.io/scrape: "true"
        prometheus.io/port: {{ .Values.metrics.port | quote }}
        prometheus.io/path: /metrics
        {{- if .Values.database.dsn }}
        checksum/database: {{ .Values.database.dsn | sha256sum }}
        {{- end }}
        {{- with .Values.podAnnotations }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    spec:
      # The services never call the Kubernetes API, and a Service called "metrics" or "http"
      # in the namespace must not inject METRICS_PORT=tcp://... into their configuration.
      automountServiceAccountToken: false
      enableServiceLinks: false
      {{- with .Values.imagePullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with .Values.priorityClassName }}
      priorityClassName: {{ . }}
      {{- end }}
      terminationGracePeriodSeconds: {{ .Values.terminationGracePeriodSeconds }}
      securityContext:
        runAsNonRoot: true
        runAsUser: 65532
        runAsGroup: 65532
        seccompProfile:
          type: RuntimeDefault
      containers:
        - name: {{ include "service-lib.name" . }}
          image: {{ include "service-lib.image" .Values.image | quote }}
          imagePullPolicy: {{ .Values.image.pullPolicy }}
          {{- with .Values.args }}
          args:
            {{- toYaml . | nindent 12 }}
          {{- end }}
          env:
            - name: POD_NAME
              valueFrom:
                fieldRef:
                  fieldPath: metadata.name
            - name: DATABASE_DSN
              valueFrom:
                secretKeyRef:
                  name: {{ include "service-lib.databaseSecretName" . }}
                  key: {{ .Values.database.secretKey }}
            - name: DB_POOL_SIZE
              value: {{ .Values.database.poolSize | quote }}
            - name: HTTP_PORT
              value: {{ .Values.http.port | quote }}
            - name: METRICS_PORT
              value: {{ .Values.metrics.port | quote }}
            - name: HTTP_THREADS
              value: {{ .Values.http.threads | quote }}
            - name: HTTP_QUEUE
              value: {{ .Values.http.queue | quote }}
            - name: LOG_LEVEL
              value: {{ .Values.logLevel | quote }}
            - name: FLAG_POLL_MS
              value: {{ .Values.flags.pollMs | quote }}
            - name: SHUTDOWN_GRACE_MS
              value: {{ .Values.shutdown.graceMs | quote }}
            - name: DRAIN_DELAY_MS
              value: {{ .Values.shutdown.drainDelayMs | quote }}
            {{- with .Values.kafka }}
            - name: KAFKA_BOOTSTRAP
              value: {{ .bootstrap | quote }}
            {{- end }}
            {{- with .Values.schemaRegistry }}
            - name: SCHEMA_REGISTRY_URL
              value: {{ .url | quote }}
            {{- end }}
            {{- with .Values.ordersTopic }}
            - name: ORDERS_TOPIC
              value: {{ . | quote }}
            {{- end }}
            {{- with .Values.consumerGroup }}
            - name: CONSUMER_GROUP
              value: {{ . | quote }}
            {{- end }}
            {{- with .Values.customers }}
            - name: CUSTOMERS_URL
              value: {{ .url | quote }}
            {{- end }}
            {{- with .Values.extraEnv }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
          ports:
            - name: http
              containerPort: {{ .Values.http.port }}
              protocol: TCP
            - name: metrics
              containerPort: {{ .Values.metrics.port }}
              protocol: TCP
          # Started: the process serves /healthz (it may still wait for its database).
          startupProbe:
            httpGet:
              path: {{ .Values.probes.liveness.path }}
              port: http
            periodSeconds: 2
            failureThreshold: {{ .Values.probes.startup.failureThreshold }}
          # Ready: database reachable, flags loaded, not shutting down.
          readinessProbe:
            httpGet:
              path: {{ .Values.probes.readiness.path }}
              port: http
            periodSeconds: {{ .Values.probes.readiness.periodSeconds }}
            timeoutSeconds: {{ .Values.probes.readiness.timeoutSeconds }}
            failureThreshold: {{ .Values.probes.readiness.failureThreshold }}
          # Alive: the process still answers.
          livenessProbe:
            httpGet:
              path: {{ .Values.probes.liveness.path }}
              port: http
            periodSeconds: {{ .Values.probes.liveness.periodSeconds }}
            timeoutSeconds: {{ .Values.probes.liveness.timeoutSeconds }}
            failureThreshold: {{ .Values.probes.liveness.failureThreshold }}
          resources:
            {{- toYaml .Values.resources | nindent 12 }}
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            runAsNonRoot: true
            capabilities:
              drop: [ALL]
            seccompProfile:
              type: RuntimeDefault
      {{- with .Values.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with .Values.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with .Values.affinity }}
      affinity:
        {{- toYaml . | nindent 8 }}
      {{- end }}
{{- end -}}
