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

{{/* The operator's ServiceAccount as the API server names the user: system:serviceaccount:<namespace>:<name>. */}}
{{- define "image-size-operator.serviceAccountUser" -}}
system:serviceaccount:{{ .Release.Namespace }}:{{ include "image-size-operator.fullname" . }}
{{- end }}

{{/* The PriorityClass of the pods: the value, else system-cluster-critical for a strict (Fail) webhook. */}}
{{- define "image-size-operator.priorityClassName" -}}
{{- if .Values.priorityClassName }}{{ .Values.priorityClassName }}
{{- else if eq .Values.webhook.failurePolicy "Fail" }}system-cluster-critical
{{- end }}
{{- end }}

{{/*
Combinations the schema cannot refuse, refused with a message that says what to change. Included by every template
that depends on them, so `helm template` and `helm install` both fail before anything is applied.
*/}}
{{- define "image-size-operator.validate" -}}
{{- if and (gt (int .Values.replicaCount) 1) (not .Values.leaderElection.enabled) }}
{{- fail (printf "leaderElection.enabled=false needs replicaCount: 1, not %d: without leader election every replica runs the audit and writes policy status" (int .Values.replicaCount)) }}
{{- end }}
{{- $deadline := int .Values.webhook.deadlineMilliseconds }}
{{- if lt (mul (int .Values.webhook.timeoutSeconds) 1000) (add $deadline 1000) }}
{{- fail (printf "webhook.timeoutSeconds=%d is below the operator's deadline (webhook.deadlineMilliseconds=%d) plus its 1 s margin: the API server would give up before the answer; set webhook.timeoutSeconds to at least %d or lower the deadline" (int .Values.webhook.timeoutSeconds) $deadline (div (add $deadline 1999) 1000)) }}
{{- end }}
{{- if and (eq .Values.rbac.pullSecrets "namespaces") (empty .Values.rbac.pullSecretNamespaces) }}
{{- fail "rbac.pullSecrets=namespaces needs rbac.pullSecretNamespaces: the namespaces whose pull secrets the operator may read (use rbac.pullSecrets=none for none)" }}
{{- end }}
{{- if and .Values.webhook.clientAuth.enabled (not .Values.webhook.clientAuth.caConfigMap) }}
{{- fail "webhook.clientAuth.enabled needs webhook.clientAuth.caConfigMap: the ConfigMap whose ca.crt signs the API server's client certificate" }}
{{- end }}
{{- end }}

{{/* The analyzer's name, and the labels that select its pods (never the operator's: its Service and PDB skip them). */}}
{{- define "image-size-operator.analyzerName" -}}
{{ include "image-size-operator.fullname" . }}-analyzer
{{- end }}

{{- define "image-size-operator.analyzerSelectorLabels" -}}
app.kubernetes.io/name: {{ include "image-size-operator.name" . }}-analyzer
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "image-size-operator.analyzerLabels" -}}
{{ include "image-size-operator.analyzerSelectorLabels" . }}
app.kubernetes.io/component: analyzer
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end }}

{{/* JAVA_TOOL_OPTIONS from a jvm block (jvm.*, or analysis.jvm.* over it for the analyzer). */}}
{{- define "image-size-operator.javaToolOptions" -}}
{{ trim (printf "-XX:MaxRAMPercentage=%d -XX:+Use%sGC -XX:+ExitOnOutOfMemoryError %s" (int .maxRAMPercentage) .garbageCollector .extraOptions) }}
{{- end }}

{{/* Egress of the operator's and the analyzer's pods (argument: .Values.networkPolicy). */}}
{{- define "image-size-operator.egressRules" -}}
# in-cluster DNS, registries and the API server's endpoints, whatever the CNI counts as "outside"
- to:
    - namespaceSelector: {}
# registries anywhere, but never the denied addresses (cloud metadata by default)
- to:
    {{- $v4 := list }}{{- $v6 := list }}
    {{- range .egress.deniedCIDRs }}{{- if contains ":" . }}{{- $v6 = append $v6 . }}{{- else }}{{- $v4 = append $v4 . }}{{- end }}{{- end }}
    - ipBlock:
        cidr: 0.0.0.0/0
        {{- with $v4 }}
        except:
          {{- toYaml . | nindent 10 }}
        {{- end }}
    - ipBlock:
        cidr: ::/0
        {{- with $v6 }}
        except:
          {{- toYaml . | nindent 10 }}
        {{- end }}
{{- end }}
