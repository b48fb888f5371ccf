{{/* The release's name for every object: `<release>-evermall-shop`, or the release name when it says so already. */}}
{{- define "evermall-shop.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* topology/'s values (topology.json, generated): probes, drain, scaling, layout. */}}
{{- define "evermall-shop.topology" -}}
{{- .Files.Get "topology.json" -}}
{{- end -}}

{{- define "evermall-shop.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "evermall-shop.labels" -}}
{{ include "evermall-shop.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "evermall-shop.image" -}}
{{ required "image.repository is required (the ECR repository)" .Values.image.repository }}:{{ required "image.tag is required (the tag the workflow pushed)" .Values.image.tag }}
{{- end -}}

{{/* A database URL without a password (the login is read from the credentials file), verify-full against the RDS bundle. */}}
{{- define "evermall-shop.databaseUrl" -}}
{{- $t := include "evermall-shop.topology" .root | fromJson -}}
{{- printf "postgres://%s@%s:%v/%s?sslmode=verify-full&sslrootcert=%s" .user .host $t.databasePort .root.Values.database.name (include "evermall-shop.caBundlePath" .root) -}}
{{- end -}}

{{- define "evermall-shop.caBundleDir" -}}/etc/evermall/rds{{- end -}}
{{- define "evermall-shop.caBundlePath" -}}{{ include "evermall-shop.caBundleDir" . }}/global-bundle.pem{{- end -}}

{{/* The IAM role annotation of a service account, when IRSA is used. */}}
{{- define "evermall-shop.roleAnnotation" -}}
{{- if . }}
  annotations:
    eks.amazonaws.com/role-arn: {{ . | quote }}
{{- end }}
{{- end -}}

{{/*
The pod's hardening, shared by the shop and the migration Job: the service user, no privilege
escalation, no capabilities, the root file system read-only (the EC2 unit's ProtectSystem=strict).
*/}}
{{- define "evermall-shop.podSecurityContext" -}}
{{- $t := include "evermall-shop.topology" . | fromJson -}}
runAsNonRoot: true
runAsUser: {{ $t.user.uid }}
runAsGroup: {{ $t.user.gid }}
fsGroup: {{ $t.user.gid }}
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "evermall-shop.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop: ["ALL"]
{{- end -}}
