{{/* Names and labels shared by every manifest. */}}
{{- define "berrys.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "berrys.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* Selector labels of one component (web, worker, migration). */}}
{{- define "berrys.selector" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "berrys.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{- define "berrys.secretName" -}}
{{- .Values.existingSecret | default (printf "%s-secrets" (include "berrys.fullname" .)) -}}
{{- end -}}

{{/* The environment of every Berrys process: secrets by reference, settings from the ConfigMap. */}}
{{- define "berrys.env" -}}
envFrom:
  - configMapRef:
      name: {{ include "berrys.fullname" . }}-config
env:
  {{- range list "DATABASE_URL" "REDIS_URL" "SECRET_KEY" "ENCRYPTION_KEY" }}
  - name: {{ . }}
    valueFrom:
      secretKeyRef:
        name: {{ include "berrys.secretName" $ }}
        key: {{ . }}
  {{- end }}
{{- end -}}
