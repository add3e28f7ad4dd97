{{/*
helm test: the service answers /readyz through its Service (so the Service's selector, port
and the pods' readiness all hold). The service images have no shell or HTTP client, so the
test pod runs the operator image's probe mode (--probe URL: exit 0 on a 2xx answer).
*/}}
{{- define "service-lib.test" -}}
apiVersion: v1
kind: Pod
metadata:
  name: {{ include "service-lib.fullname" . }}-test-readyz
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "service-lib.labels" . | nindent 4 }}
    app.kubernetes.io/component: test
  annotations:
    helm.sh/hook: test
    helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded
spec:
  restartPolicy: Never
  automountServiceAccountToken: false
  enableServiceLinks: false
  securityContext:
    runAsNonRoot: true
    runAsUser: 65532
    runAsGroup: 65532
    seccompProfile:
      type: RuntimeDefault
  containers:
    - name: readyz
      image: {{ include "service-lib.image" .Values.test.image | quote }}
      imagePullPolicy: {{ .Values.test.image.pullPolicy }}
      args:
        - --probe=http://{{ include "service-lib.fullname" . }}.{{ .Release.Namespace }}.svc:{{ .Values.service.port }}{{ .Values.probes.readiness.path }}
      resources:
        requests: {cpu: 10m, memory: 16Mi}
        limits: {memory: 64Mi}
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
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.tolerations }}
  tolerations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end -}}
