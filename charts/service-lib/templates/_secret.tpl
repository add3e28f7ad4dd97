{{/*
The database Secret, only when the DSN is given in values (database.dsn). With
database.existingSecret the chart reads that Secret and creates none. Key: database.secretKey
(default dsn, the key a SchemaMigration's spec.database.secretRef reads too).
*/}}
{{- define "service-lib.secret" -}}
{{- if .Values.database.dsn -}}
apiVersion: v1
kind: Secret
metadata:
  name: {{ include "service-lib.databaseSecretName" . }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "service-lib.labels" . | nindent 4 }}
type: Opaque
stringData:
  {{ .Values.database.secretKey }}: {{ .Values.database.dsn | quote }}
{{- end -}}
{{- end -}}
