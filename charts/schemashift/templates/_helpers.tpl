{{- define "schemashift.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "schemashift.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "schemashift.selectorLabels" -}}
app.kubernetes.io/name: {{ include "schemashift.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "schemashift.labels" -}}
{{ include "schemashift.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/component: operator
app.kubernetes.io/part-of: schemashift
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{- define "schemashift.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "schemashift.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* The rules the operator needs where it watches migrations. */}}
{{- define "schemashift.watchRules" -}}
- apiGroups: [schemashift.io]
  resources: [schemamigrations]
  verbs: [get, list, watch, update, patch]
- apiGroups: [schemashift.io]
  resources: [schemamigrations/status]
  verbs: [get, update, patch]
- apiGroups: [events.k8s.io]
  resources: [events]
  verbs: [create, patch]
- apiGroups: [apps]
  resources: [deployments]
  verbs: [get]
# spec.api: the API Deployment's pods, whose /metrics the apiTraffic evidence scrapes.
- apiGroups: [""]
  resources: [pods]
  verbs: [list]
# spec.events.schemaFrom: the ConfigMap holding an event schema.
- apiGroups: [""]
  resources: [configmaps]
  verbs: [get]
- apiGroups: [""]
  resources: [secrets]
  verbs: [get]
  {{- with .Values.secretNames }}
  resourceNames:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end -}}

{{/* The watched namespaces: watchNamespaces, plus the deprecated watchNamespace; sorted, once.
     Empty: every namespace (cluster mode). */}}
{{- define "schemashift.watchNamespaces" -}}
{{- $list := .Values.watchNamespaces | default list -}}
{{- if .Values.watchNamespace -}}{{- $list = append $list .Values.watchNamespace -}}{{- end -}}
{{- $list | uniq | sortAlpha | join "," -}}
{{- end -}}
