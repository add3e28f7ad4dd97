{{/* The common part of a service chart's NOTES.txt: what runs, where its DSN comes from, how to check and reach it. */}}
{{- define "service-lib.notes" -}}
{{- $name := include "service-lib.fullname" . -}}
{{- $ns := .Release.Namespace -}}
{{ .Chart.Name }} {{ .Chart.AppVersion }} is installed in namespace {{ $ns }} as Deployment {{ $name }}
({{ .Values.replicaCount }} replica(s), image {{ include "service-lib.image" .Values.image }}).

Database: the connection string is key "{{ .Values.database.secretKey }}" of Secret {{ include "service-lib.databaseSecretName" . }}
{{- if .Values.database.dsn }} (created by this chart from database.dsn).
{{- else }}, which must exist:
  kubectl -n {{ $ns }} create secret generic {{ include "service-lib.databaseSecretName" . }} --from-literal={{ .Values.database.secretKey }}='postgresql://USER:PASSWORD@HOST:5432/DATABASE'
{{- end }}

Check that it is ready:
  kubectl -n {{ $ns }} rollout status deployment/{{ $name }}
  helm test {{ .Release.Name }} -n {{ $ns }}

Inside the cluster: http://{{ $name }}.{{ $ns }}.svc:{{ .Values.service.port }} (API), port {{ .Values.service.metricsPort }} (/metrics).
From your machine:
  kubectl -n {{ $ns }} port-forward svc/{{ $name }} {{ .Values.service.port }}:{{ .Values.service.port }}
  curl -s localhost:{{ .Values.service.port }}/readyz
{{- end -}}
