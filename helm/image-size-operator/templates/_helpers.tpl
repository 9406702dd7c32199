{{/* The chart's name, or nameOverride. */}}
{{- define "image-size-operator.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
The prefix of every object name: fullnameOverride, else the release name when it already contains the chart's
name, else "<release>-<name>". Kept to 52 characters so that suffixes such as "-webhook-tls" still fit in 63.
*/}}
{{- define "image-size-operator.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 52 | trimSuffix "-" }}
{{- else }}
{{- $name := include "image-size-operator.name" . }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 52 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 52 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* Labels that select the operator's pods; never change them between versions (selectors are immutable). */}}
{{- define "image-size-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "image-size-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* Labels of every object. */}}
{{- define "image-size-operator.labels" -}}
{{ include "image-size-operator.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end }}

{{/* The webhook Service, and the DNS name the API server calls it by. */}}
{{- define "image-size-operator.webhookService" -}}
{{ include "image-size-operator.fullname" . }}-webhook
{{- end }}

{{- define "image-size-operator.webhookDnsName" -}}
{{ include "image-size-operator.webhookService" . }}.{{ .Release.Namespace }}.svc
{{- end }}

{{/* The Secret holding the webhook's CA and serving certificate, whoever makes it. */}}
{{- define "image-size-operator.tlsSecret" -}}
{{ include "image-size-operator.fullname" . }}-webhook-tls
{{- end }}

{{/* True (non-empty) when the operator reads its certificate from a mounted Secret (helm and cert-manager modes). */}}
{{- define "image-size-operator.mountsCertificate" -}}
{{- if ne .Values.webhook.certificates.mode "operator" }}true{{ end }}
{{- end }}
